"""The roster sent in the bot by the district office: XLSX, ZIP or two CSVs; refusals; who may."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta

import openpyxl
from sqlalchemy import func, select

from bot.app import BotApplication
from bot.messages import split_message
from sandbox import ChatMessage, User, World
from store.installation import StoreHandle
from store.models import Staff, Student
from tests.bot_district import person, seed_district
from tests.builders import add_staff
from tests.conftest import DATA, SAMPLE_ROSTER, FixedClock

STAFF_CSV = (SAMPLE_ROSTER / "staff.csv").read_bytes()
STUDENTS_CSV = (SAMPLE_ROSTER / "students.csv").read_bytes()
SAMPLE_STUDENTS = 180


def sample_rows(name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO((SAMPLE_ROSTER / name).read_text(encoding="utf-8"), newline="")))


def sample_xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for sheet, name in (("staff", "staff.csv"), ("students", "students.csv")):
        ws = book.create_sheet(sheet)
        for row in sample_rows(name):
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


async def office(world: World, store: StoreHandle, clock: FixedClock, language_code: str = "en") -> User:
    """吳雨萱 of the district office (T1002, as in the sample roster), bound to Telegram."""
    async with store.sessions() as session:
        staff = await add_staff(session, "T1002", "吳雨萱", None, ["district_office"])
        await session.commit()
    return await person(world, store, clock, staff, "Office", language_code=language_code)


async def counts(store: StoreHandle) -> tuple[int, int]:
    """(staff, students) in the database."""
    async with store.sessions() as session:
        staff = int(await session.scalar(select(func.count(Staff.id))) or 0)
        students = int(await session.scalar(select(func.count(Student.id))) or 0)
    return staff, students


async def answer_after_import(user: User) -> list[ChatMessage]:
    """The "importing" message, then every message of the answer (until the bot goes quiet)."""
    importing = await user.next_message()
    assert "⏳" in importing.text
    answer = [await user.next_message()]
    await user.world.wait_idle()
    answer += [m for m in user.messages if m.message_id > answer[-1].message_id and m.from_bot]
    return answer


async def assert_sample_imported(user: User, store: StoreHandle) -> None:
    answer = await answer_after_import(user)
    text = "\n".join(m.text for m in answer)
    assert text.startswith("Roster imported.")
    assert "Schools: 2 added" in text
    assert "Staff: 50 added, 1 updated" in text  # T1002 existed: updated, not duplicated
    assert f"Students: {SAMPLE_STUDENTS} added" in text
    assert await counts(store) == (51, SAMPLE_STUDENTS)
    async with store.sessions() as session:
        assert await session.scalar(select(func.count()).where(Staff.external_id == "T1002")) == 1


async def test_xlsx_roster_is_imported(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    user = await office(world, store, clock)
    await user.send_document("名冊.xlsx", sample_xlsx())
    await assert_sample_imported(user, store)


async def test_zip_roster_is_imported(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    user = await office(world, store, clock)
    await user.send_document("roster.zip", zipped({"staff.csv": STAFF_CSV, "students.csv": STUDENTS_CSV}))
    await assert_sample_imported(user, store)


async def test_two_csvs_one_after_the_other(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    user = await office(world, store, clock)
    await user.send_document("staff.csv", STAFF_CSV)
    waiting = await user.next_message()
    assert "Got the staff list “staff.csv”" in waiting.text and "students.csv" in waiting.text
    assert await counts(store) == (1, 0)  # nothing imported yet
    clock.advance(timedelta(minutes=9))
    await user.send_document("students.csv", STUDENTS_CSV)
    await assert_sample_imported(user, store)


async def test_a_second_csv_of_the_same_kind_replaces_the_first(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    user = await office(world, store, clock)
    # Unhelpful names: the header tells which list each is.
    await user.send_document("export1.csv", STUDENTS_CSV)
    assert "Got the students list “export1.csv”" in (await user.next_message()).text
    await user.send_document("export2.csv", STUDENTS_CSV)
    replaced = await user.next_message()
    assert "This replaces the students list you sent before (“export1.csv”)." in replaced.text
    assert "Now send the staff list (staff.csv)" in replaced.text
    await user.send_document("export3.csv", STAFF_CSV)
    await assert_sample_imported(user, store)


async def test_a_lone_csv_expires_after_ten_minutes(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    user = await office(world, store, clock)
    await user.send_document("staff.csv", STAFF_CSV)
    await user.next_message()
    clock.advance(timedelta(minutes=11))
    await user.send_document("students.csv", STUDENTS_CSV)
    again = await user.next_message()
    assert "“staff.csv” came more than 10 minutes ago" in again.text
    assert "Now send the staff list (staff.csv)" in again.text
    assert await counts(store) == (1, 0)
    await user.send_document("staff.csv", STAFF_CSV)  # starting over works
    await assert_sample_imported(user, store)


async def test_bad_roster_is_refused_with_every_finding_and_changes_nothing(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    user = await office(world, store, clock)
    folder = DATA / "rosters" / "ten-mistakes"
    files = {name: (folder / name).read_bytes() for name in ("staff.csv", "students.csv")}
    await user.send_document("bad.zip", zipped(files))
    text = "\n".join(m.text for m in await answer_after_import(user))
    assert text.startswith("Roster refused, nothing was changed: 16 problems to fix.")
    assert "bad.zip/staff.csv, row 7, column roles: unknown role “principal”." in text
    assert "bad.zip/students.csv, row 10, column student_id: the id S100008 is already used on row 9." in text
    assert text.rstrip().endswith("Correct the file and send the roster again.")
    assert await counts(store) == (1, 0)


async def test_long_refusal_is_escaped_capped_and_split(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    """60 bad rows: 50 listed then a count, over several messages; roster text with < > & is escaped."""
    user = await office(world, store, clock)
    rows = sample_rows("students.csv")
    for row in rows[1:61]:
        row[5] = "<b>naughty & loud"
    students = io.StringIO()
    csv.writer(students).writerows(rows)
    await user.send_document("staff.csv", STAFF_CSV)
    await user.next_message()
    await user.send_document("students.csv", students.getvalue().encode())
    answer = await answer_after_import(user)
    assert len(answer) >= 2 and all(len(m.text) <= 4096 for m in answer)
    text = "\n".join(m.text for m in answer)
    assert text.startswith("Roster refused, nothing was changed: 60 problems to fix.")
    assert "students.csv, row 2, column focus: unknown focus tag “<b>naughty & loud”" in text
    assert text.count("unknown focus tag") == 50 and "… and 10 more problems." in text
    assert await counts(store) == (1, 0)


async def test_unreadable_lone_csv_is_refused_at_once(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    user = await office(world, store, clock)
    await user.send_document("list.csv", "名字,電話\n張三,123\n".encode())
    answer = await user.next_message()
    assert answer.text.startswith("Roster refused, nothing was changed")
    assert "list.csv: cannot tell whether this is the staff or the students list" in answer.text


async def test_a_teacher_sending_a_file_is_refused_politely(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    teacher = await person(world, store, clock, d.staff["head"])
    await teacher.send_document("roster.zip", zipped({"staff.csv": STAFF_CSV, "students.csv": STUDENTS_CSV}))
    answer = await teacher.next_message()
    assert answer.text.startswith("Only the district office imports rosters")
    assert await counts(store) == (4, 6)


async def test_a_stranger_sending_a_file_is_told_to_register(bot: BotApplication, world: World) -> None:
    stranger = world.user("Stranger", language_code="en")
    await stranger.send_document("staff.csv", STAFF_CSV)
    assert (await stranger.next_message()).text.startswith("I don't know you yet.")


async def test_other_files_are_explained(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    user = await office(world, store, clock)
    await user.send_document("notes<1>.txt", b"hello")
    answer = await user.next_message()
    assert "“notes<1>.txt” is not a roster file." in answer.text
    assert "one Excel workbook (.xlsx)" in answer.text and "staff.csv and students.csv" in answer.text
    await user.send_document("roster.xls", b"\xd0\xcf\x11\xe0")
    assert "save the workbook as .xlsx" in (await user.next_message()).text


async def test_too_big_for_telegram_is_not_downloaded(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    user = await office(world, store, clock)
    await user.send_document("roster.zip", bytes(21 * 1024 * 1024))
    answer = await user.next_message()
    assert "“roster.zip” is 21.0 MB" in answer.text and "at most 20 MB" in answer.text


async def test_in_traditional_chinese(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    user = await office(world, store, clock, language_code="zh-hant")
    await user.send_document("staff.csv", STAFF_CSV)
    assert "已收到教職工名單「staff.csv」" in (await user.next_message()).text
    await user.send_document("students.csv", STUDENTS_CSV)
    importing = await user.next_message()
    assert importing.text == "⏳ 正在匯入名冊…"
    assert (await user.next_message()).text.startswith("名冊已匯入。")
    assert await counts(store) == (51, SAMPLE_STUDENTS)


async def test_in_simplified_chinese_a_teacher_is_refused(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    teacher = await person(world, store, clock, d.staff["subject"], language_code="zh-hans")
    await teacher.send_document("roster.txt", b"x")
    assert (await teacher.next_message()).text.startswith("只有办公室可以导入名册")


def test_split_message_cuts_at_lines_and_never_inside_an_entity() -> None:
    lines = [f"line {n} &amp; more" for n in range(400)]
    texts = split_message(lines, limit=1000)
    assert len(texts) > 1 and all(len(t) <= 1000 for t in texts)
    assert "\n".join(texts).split("\n") == lines
    long = "x" * 997 + "&amp;" + "y" * 10
    cut = split_message([long], limit=1000)
    assert cut == ["x" * 997, "&amp;" + "y" * 10]
    assert split_message(["😀" * 600], limit=1000) == ["😀" * 500, "😀" * 100]  # two units each
