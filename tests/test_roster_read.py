"""Reading the roster: encodings, header languages, XLSX, ZIP and the file-level refusals."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from bot.i18n import translator
from bot.roster_messages import finding_line
from store.roster import check_roster, read_roster_files, read_roster_paths
from store.roster import read as roster_read
from store.roster import xlsx as roster_xlsx
from store.roster.decode import EncodingRefused, decode_csv
from store.vocab import Locale
from tests.builders_roster import (
    SIMPLIFIED,
    TRADITIONAL,
    read_rows,
    sample_texts,
    small_files,
    with_headers,
    workbook,
    zipped,
)
from tests.conftest import SAMPLE_ROSTER


def codes(source: roster_read.RosterSource) -> list[tuple[str, str]]:
    return [(f.file, f.code) for f in source.findings]


def traditional_sample() -> dict[str, str]:
    return {name: with_headers(text, TRADITIONAL) for name, text in sample_texts().items()}


def simplified_texts() -> dict[str, str]:
    return {name: (SIMPLIFIED / name).read_text(encoding="utf-8") for name in ("staff.csv", "students.csv")}


@pytest.mark.parametrize(
    ("texts", "encoding", "expected"),
    [
        (sample_texts, "utf-8", "utf-8"),
        (traditional_sample, "utf-8-sig", "utf-8-sig"),
        (traditional_sample, "cp950", "cp950"),
        (simplified_texts, "gbk", "gbk"),
        (simplified_texts, "utf-8", "utf-8"),
    ],
    ids=["english-utf8", "traditional-utf8-bom", "traditional-big5", "simplified-gbk", "simplified-utf8"],
)
def test_good_files_in_each_encoding_and_header_language(texts, encoding, expected) -> None:  # type: ignore[no-untyped-def]
    files = {name: text.encode(encoding) for name, text in texts().items()}
    source = read_roster_files(files)
    checked = check_roster(source)
    assert source.encodings == {"staff.csv": expected, "students.csv": expected}
    assert checked.findings == []
    originals = {name: text.splitlines() for name, text in texts().items()}
    assert len(checked.staff) == len(originals["staff.csv"]) - 1
    assert len(checked.students) == len(originals["students.csv"]) - 1
    # What was read is the text that was written, not a lookalike decoding.
    assert {s.name for s in checked.students} <= set(texts()["students.csv"].replace(",", "\n").split())


def test_chinese_labels_and_separators_mean_the_codes() -> None:
    checked = check_roster(
        read_roster_files({name: text.encode("gbk") for name, text in simplified_texts().items()})
    )
    staff = {s.external_id: s for s in checked.staff}
    assert staff["Z1"].roles == {"district_leader"} and staff["Z1"].school is None
    assert staff["Z2"].language == "zh-Hans"
    assert staff["Z4"].roles == {"middle_cadre"} and staff["Z4"].focus == {"non_party"}
    assert staff["Z5"].roles == {"grade_head", "subject_teacher"}  # full-width ；
    assert staff["Z6"].roles == {"head_teacher", "subject_teacher"}  # 、
    assert staff["Z6"].phone == "+8613900000006" and staff["Z6"].focus == {"talent"}
    students = {s.external_id: s for s in checked.students}
    assert students["X1"].focus == {"learning_difficulty"}
    assert students["X3"].focus == {"psychological", "student_cadre"}


def test_traditional_role_labels_and_cadre_spellings() -> None:
    rows = read_rows(SAMPLE_ROSTER / "staff.csv")
    labels = {
        "school_leader": "校級領導",
        "middle_cadre": "中層幹部",
        "grade_head;subject_teacher": "年段長；科任教師",
        "head_teacher;subject_teacher": "班主任、科任教師",
        "subject_teacher": "科任教師",
        "district_leader": "工委領導",
        "district_office": "辦公室",
        "supervisor": "督導",
    }
    for row in rows[1:]:
        row[3] = labels[row[3]]
    from tests.builders_roster import csv_text

    files = {
        "staff.csv": csv_text(rows).encode("cp950"),
        "students.csv": sample_texts()["students.csv"].encode(),
    }
    checked = check_roster(read_roster_files(files))
    assert checked.findings == []
    expected = {r[1]: r[3] for r in read_rows(SAMPLE_ROSTER / "staff.csv")[1:]}
    assert {s.external_id: ";".join(sorted(s.roles)) for s in checked.staff} == expected


def test_a_big5_file_is_never_read_as_gbk_lookalike() -> None:
    data = traditional_sample()["staff.csv"].encode("cp950")
    # GBK may or may not swallow these bytes, but its header is not ours, so Big5 wins.
    decoded = decode_csv(data, lambda line: roster_read.header_recognised("staff", line))
    assert decoded.encoding == "cp950"
    assert decoded.text.startswith("學校,工號")


def test_ambiguous_encoding_is_refused_naming_the_file() -> None:
    # English headers and Big5 names that also decode, as nonsense, under GBK.
    text = "school,staff_id,name,roles\r\n中學,T1,陳文林,subject_teacher\r\n"
    data = text.encode("cp950")
    assert data.decode("gbk") != text  # GBK reads it too, differently: the two cannot be told apart
    source = read_roster_files({"staff.csv": data, "students.csv": sample_texts()["students.csv"].encode()})
    assert codes(source) == [("staff.csv", "encoding_ambiguous")]
    assert "staff" not in source.tables
    assert not check_roster(source).accepted


def test_undecodable_file_is_refused() -> None:
    files = small_files()
    files["students.csv"] = files["students.csv"] + b"\xff\xfe\xff"
    source = read_roster_files(files)
    assert codes(source) == [("students.csv", "encoding_unknown")]
    with pytest.raises(EncodingRefused):
        decode_csv(b"\xef\xbb\xbfbad \xff", lambda line: True)


def test_gb18030_is_never_tried() -> None:
    # Bytes only gb18030 accepts (a four-byte sequence) are refused, not read as nonsense.
    data = "school,staff_id\r\n€x,𠀀\r\n".encode("gb18030")
    with pytest.raises(EncodingRefused):
        decode_csv(data, lambda line: True)


def test_xlsx_with_both_sheets_is_read(tmp_path: Path) -> None:
    sheets = {
        "staff": read_rows(SAMPLE_ROSTER / "staff.csv"),
        "students": read_rows(SAMPLE_ROSTER / "students.csv"),
    }
    for row in sheets["staff"][1:]:
        row[7] = int(row[7])  # Excel keeps phone numbers as numbers
    path = tmp_path / "roster.xlsx"
    path.write_bytes(workbook(sheets))
    source = read_roster_paths([path])
    checked = check_roster(source)
    assert source.encodings == {} and checked.findings == []
    assert len(checked.staff) == 51 and len(checked.students) == 180
    assert {s.phone for s in checked.staff if s.external_id == "T1001"} == {"13800000042"}
    assert source.tables["staff"].file == "roster.xlsx [staff]"


def test_xlsx_missing_sheet_and_unreadable_xlsx() -> None:
    source = read_roster_files({"roster.xlsx": workbook({"staff": read_rows(SAMPLE_ROSTER / "staff.csv")})})
    assert codes(source) == [("roster.xlsx", "missing_sheet")]
    assert source.findings[0].params == {"sheet": "students", "sheets": "staff"}
    assert codes(read_roster_files({"roster.xlsx": b"not a workbook"})) == [
        ("roster.xlsx", "unreadable_xlsx")
    ]
    assert codes(read_roster_files({"roster.xlsx": zipped({"a.txt": b"x"})})) == [
        ("roster.xlsx", "unreadable_xlsx")
    ]


def test_xlsx_sheets_are_found_by_name_hint_or_header_as_csvs_are() -> None:
    staff, students = read_rows(SAMPLE_ROSTER / "staff.csv"), read_rows(SAMPLE_ROSTER / "students.csv")
    source = read_roster_files({"roster.xlsx": workbook({"Sheet1": students, "Sheet2": staff})})
    assert source.findings == [] and check_roster(source).accepted
    assert source.tables["students"].file == "roster.xlsx [Sheet1]"
    named = workbook({"說明": [["x"]], "教職工名單": staff, "學生名單": students})
    source = read_roster_files({"roster.xlsx": named})
    assert source.findings == [] and source.tables["staff"].file == "roster.xlsx [教職工名單]"


def test_xlsx_without_a_sheet_we_can_tell_says_which_sheets_it_has() -> None:
    staff, students = read_rows(SAMPLE_ROSTER / "staff.csv"), read_rows(SAMPLE_ROSTER / "students.csv")
    # Two sheets that could be the students list: neither is taken.
    book = workbook({"staff": staff, "Sheet2": students, "Sheet3": students})
    source = read_roster_files({"roster.xlsx": book})
    assert codes(source) == [("roster.xlsx", "missing_sheet")]
    assert not check_roster(source).accepted
    assert finding_line(source.findings[0], translator(Locale.EN)) == (
        "roster.xlsx: the workbook has no “students” sheet (its sheets: staff, Sheet2, Sheet3). "
        "Name the sheets “staff” and “students”."
    )
    zh = finding_line(source.findings[0], translator(Locale.ZH_HANT))
    assert "找不到「students」工作表" in zh and "staff, Sheet2, Sheet3" in zh


def test_merged_cells_read_as_the_office_sees_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """A school or grade merged down its rows (usual in a 名冊) gives every row that value, with a warning."""
    import openpyxl

    staff, students = read_rows(SAMPLE_ROSTER / "staff.csv"), read_rows(SAMPLE_ROSTER / "students.csv")
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in (("staff", staff), ("students", students)):
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    sheet = book["students"]
    runs = 0
    for column, i in (("A", 0), ("D", 3)):  # school, grade
        first = 2
        for n in range(3, len(students) + 2):
            if n == len(students) + 1 or students[n - 1][i] != students[first - 1][i]:
                if n - first > 1:
                    sheet.merge_cells(f"{column}{first}:{column}{n - 1}")
                    runs += 1
                first = n
    assert runs >= 4 and sheet["A3"].value is None  # what the file holds: the value in the first cell only
    out = io.BytesIO()
    book.save(out)
    monkeypatch.setattr(roster_xlsx, "MERGE_SCAN_CHUNK", 5)  # <mergeCells> split over many reads
    source = read_roster_files({"roster.xlsx": out.getvalue()})
    checked = check_roster(source)
    assert checked.accepted
    assert [(f.file, f.code, dict(f.params)) for f in checked.findings] == [
        ("roster.xlsx [students]", "merged_cells", {"count": runs})
    ]
    assert checked.students == check_roster(read_roster_paths([SAMPLE_ROSTER])).students
    assert finding_line(checked.findings[0], translator(Locale.ZH_HANT)).startswith(
        f"roster.xlsx [students]：含有合併儲存格（{runs} 處），"
    )


def test_a_workbook_openpyxl_stumbles_on_is_refused_not_raised() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "staff"
    book.create_chartsheet("students")  # openpyxl 3.1 cannot load its own empty chart sheet back
    out = io.BytesIO()
    book.save(out)
    assert codes(read_roster_files({"roster.xlsx": out.getvalue()})) == [("roster.xlsx", "unreadable_xlsx")]


def test_zip_holding_both_csvs_is_read() -> None:
    source = read_roster_files(
        {
            "roster.zip": zipped(
                {
                    "export/staff.csv": sample_texts()["staff.csv"].encode("utf-8-sig"),
                    "export/students.csv": sample_texts()["students.csv"].encode(),
                    "__MACOSX/export/._staff.csv": b"\x00\x05junk",
                }
            )
        }
    )
    assert source.findings == []
    assert source.encodings == {"roster.zip/staff.csv": "utf-8-sig", "roster.zip/students.csv": "utf-8"}
    assert check_roster(source).accepted


def test_zip_without_both_csvs_is_refused() -> None:
    source = read_roster_files({"roster.zip": zipped({"staff.csv": sample_texts()["staff.csv"].encode()})})
    assert codes(source) == [("roster.zip", "zip_incomplete")]
    assert source.findings[0].params == {"missing": "students.csv"}
    assert codes(read_roster_files({"roster.zip": b"PK\x03\x04 broken"})) == [
        ("roster.zip", "unreadable_zip")
    ]


def test_zip_bomb_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roster_read, "MAX_FILE_BYTES", 50_000)
    bomb = zipped({"staff.csv": b"0" * 5_000_000, "students.csv": b"x"})
    assert len(bomb) < 50_000  # small packed, huge unpacked
    assert codes(read_roster_files({"roster.zip": bomb})) == [("roster.zip", "file_too_large")]


def test_zip_bomb_with_a_lying_size_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roster_read, "MAX_FILE_BYTES", 50_000)
    bomb = zipped({"staff.csv": b"0" * 1_000_000, "students.csv": b"x"})
    real = zipfile.ZipFile.infolist

    def lying(self: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
        infos = real(self)
        for info in infos:
            info.file_size = 1
        return infos

    monkeypatch.setattr(zipfile.ZipFile, "infolist", lying)
    # zipfile stops at the declared size and the CRC then fails: refused, never unpacked in full.
    assert codes(read_roster_files({"roster.zip": bomb})) == [("roster.zip", "unreadable_zip")]


def test_csvs_are_told_apart_by_name_or_by_header() -> None:
    texts = sample_texts()
    source = read_roster_files(
        {"教職工名單.csv": texts["staff.csv"].encode(), "export-2.csv": texts["students.csv"].encode()}
    )
    assert source.findings == []
    assert source.tables["staff"].file == "教職工名單.csv"
    assert source.tables["students"].file == "export-2.csv"
    unknown = read_roster_files({"a.csv": b"x,y\r\n1,2\r\n", "students.csv": texts["students.csv"].encode()})
    assert codes(unknown) == [("a.csv", "unknown_file"), ("staff.csv", "missing_file")]


def test_missing_and_empty_and_headless_files(tmp_path: Path) -> None:
    assert codes(read_roster_paths([tmp_path])) == [
        (str(tmp_path / "staff.csv"), "missing_file"),
        (str(tmp_path / "students.csv"), "missing_file"),
    ]
    assert codes(read_roster_paths([tmp_path / "nope.csv"])) == [(str(tmp_path / "nope.csv"), "missing_file")]
    files = small_files()
    files["staff.csv"] = b""
    files["students.csv"] = b"school,student_id,name,grade,class\r\n\r\n"
    assert codes(read_roster_files(files)) == [("staff.csv", "empty_file"), ("students.csv", "no_rows")]
    files["staff.csv"] = b"\r\nschool,staff_id,name,roles\r\n-,D1,x,supervisor\r\n"
    assert codes(read_roster_files(files))[0] == ("staff.csv", "header_not_first_row")
    assert codes(read_roster_files({"roster.pdf": b"%PDF"}))[0] == ("roster.pdf", "unsupported_file")


def test_a_second_staff_file_is_refused() -> None:
    files = small_files()
    files["more/staff.csv"] = files["staff.csv"]
    assert ("more/staff.csv", "duplicate_file") in codes(read_roster_files(files))


def test_reading_takes_the_header_and_the_one_pass_of_checks_the_rows() -> None:
    """The bot's look at a lone CSV costs its first rows; a CSV that breaks further down is refused
    by the checks exactly as if reading it had failed, nothing else said about it."""
    files = small_files()
    broken = '一中,S9,"' + "x" * 200_000 + '",七年級,七年級1班\r\n'  # past csv's field size limit
    files["students.csv"] += broken.encode()
    source = read_roster_files(files)
    assert source.findings == [] and set(source.tables) == {"staff", "students"}
    checked = check_roster(source)
    assert [(f.file, f.row, f.code) for f in checked.findings] == [("students.csv", None, "unreadable_csv")]
    assert not checked.accepted and checked.students == [] and checked.classes == {}
    files["students.csv"] = broken.encode()  # the same row first: refused at once, as before
    assert codes(read_roster_files(files)) == [("students.csv", "unreadable_csv")]


def test_rows_are_numbered_as_excel_shows_them() -> None:
    files = small_files()
    files["students.csv"] = (
        "school,student_id,name,grade,class\r\n"
        '一中,S1,"甲\n同學",七年級,七年級1班\r\n'  # a line break inside a cell is still one Excel row
        ",,,,\r\n"
        "  一中 , S2 ,乙,七年級,七年級1班\r\n"
    ).encode()
    rows = list(read_roster_files(files).tables["students"].rows())
    assert [n for n, _ in rows] == [2, 4]
    assert rows[1][1] == ("一中", "S2", "乙", "七年級", "七年級1班")  # cells trimmed
