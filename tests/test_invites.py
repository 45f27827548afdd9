"""Invite codes (issue, keep, rotate), deep links, and ``twovisits invites`` end to end."""

from __future__ import annotations

import asyncio
import csv
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import bot.cli.invites as invites_cli
from bot.cli import main
from bot.cli.invites import qr_file_name
from store.accounts import BindOutcome, bind_by_invite
from store.installation import StoreHandle
from store.invites import (
    InvalidBotUsername,
    InviteStatus,
    bound_staff_count,
    invite_link,
    issue_invites,
    normalize_bot_username,
)
from store.models import AuditEntry, InviteCode, TelegramAccount
from tests.builders import add_school, add_staff

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=7)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def district(store: StoreHandle) -> dict[str, int]:
    """Three staff to invite (one of them district-wide), one who left, one already bound."""
    async with store.sessions() as session:
        school = await add_school(session, "第一中學")
        ids = {
            "t1": await add_staff(session, "T1", "彭志", school, ["subject_teacher", "head_teacher"]),
            "t2": await add_staff(session, "T2", "李詩涵", school, ["school_leader"]),
            "d1": await add_staff(session, "D1", "盧穎", None, ["district_leader"]),
            "gone": await add_staff(session, "T9", "吳雨萱", school, ["subject_teacher"], active=False),
            "bound": await add_staff(session, "T5", "郭宜蓁", school, ["subject_teacher"]),
        }
        session.add(
            TelegramAccount(telegram_user_id=55, staff_id=ids["bound"], bound_at=NOW, bound_by="invite")
        )
        await session.commit()
    return ids


# ---- issuing --------------------------------------------------------------------------------------


async def test_one_code_per_active_unbound_staff_member(store: StoreHandle, district: dict[str, int]) -> None:
    async with store.sessions() as session:
        rows = await issue_invites(session=session, now=NOW)
        bound = await bound_staff_count(session=session)
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "invites_issued"))
    assert [r.staff_id for r in rows] == ["D1", "T1", "T2"]  # district roles first, then by school
    d1, t1, _t2 = rows
    assert (d1.name, d1.school, d1.roles) == ("盧穎", "", ("district_leader",))
    assert (t1.school, t1.roles) == ("第一中學", ("head_teacher", "subject_teacher"))
    assert all(r.status is InviteStatus.NEW for r in rows)
    assert len({r.code for r in rows}) == 3
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{16}", r.code) for r in rows)
    assert bound == 1
    assert audit is not None and audit.detail == {"new": 3, "kept": 0, "revoked": 0}


async def test_rerun_keeps_unused_codes(store: StoreHandle, district: dict[str, int]) -> None:
    async with store.sessions() as session:
        first = await issue_invites(session=session, now=NOW)
        second = await issue_invites(session=session, now=LATER)
        total = await session.scalar(select(func.count(InviteCode.id)))
    assert [(r.staff_id, r.code) for r in second] == [(r.staff_id, r.code) for r in first]
    assert all(r.status is InviteStatus.KEPT for r in second)
    assert total == 3


async def test_rotate_replaces_unused_and_keeps_used_codes(
    store: StoreHandle, district: dict[str, int]
) -> None:
    async with store.sessions() as session:
        first = {r.staff_id: r.code for r in await issue_invites(session=session, now=NOW)}
        bound = await bind_by_invite(session=session, code=first["T1"], telegram_user_id=77, now=NOW)
        rotated = await issue_invites(session=session, now=LATER, rotate=True)
        codes = {c.code: c for c in await session.scalars(select(InviteCode))}
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "invites_rotated"))
    assert bound.outcome is BindOutcome.BOUND
    assert [r.staff_id for r in rotated] == ["D1", "T2"]  # T1 is bound now
    assert all(r.status is InviteStatus.NEW for r in rotated)
    assert {r.code for r in rotated}.isdisjoint(first.values())
    assert codes[first["T1"]].used_at == NOW and codes[first["T1"]].revoked_at is None
    assert codes[first["D1"]].revoked_at == LATER and codes[first["T2"]].revoked_at == LATER
    assert audit is not None and audit.detail == {"new": 2, "kept": 0, "revoked": 2}


async def test_bound_and_inactive_staff_get_no_code(store: StoreHandle, district: dict[str, int]) -> None:
    async with store.sessions() as session:
        rows = await issue_invites(session=session, now=NOW)
        owners = set(await session.scalars(select(InviteCode.staff_id)))
    assert {"T5", "T9"}.isdisjoint(r.staff_id for r in rows)
    assert owners == {district["t1"], district["t2"], district["d1"]}


async def test_stray_second_open_code_is_closed(store: StoreHandle, district: dict[str, int]) -> None:
    async with store.sessions() as session:
        first = {r.staff_id: r.code for r in await issue_invites(session=session, now=NOW)}
        session.add(InviteCode(code="newer-code-T2", staff_id=district["t2"], created_at=LATER))
        await session.commit()
        rows = {r.staff_id: r.code for r in await issue_invites(session=session, now=LATER)}
        old = await session.scalar(select(InviteCode).where(InviteCode.code == first["T2"]))
    assert rows["T2"] == "newer-code-T2"
    assert old is not None and old.revoked_at == LATER


# ---- links and usernames --------------------------------------------------------------------------


def test_invite_link() -> None:
    assert invite_link("@TwoVisitsBot", "abc_DEF-123") == "https://t.me/TwoVisitsBot?start=abc_DEF-123"


@pytest.mark.parametrize("code", ["", "has space", "a" * 65, "中文", "a/b", "a+b"])
def test_invite_link_refuses_bad_payloads(code: str) -> None:
    with pytest.raises(ValueError):
        invite_link("TwoVisitsBot", code)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("TwoVisitsBot", "TwoVisitsBot"),
        ("@two_visits_bot", "two_visits_bot"),
        (" abcBOT ", "abcBOT"),
        ("a" * 29 + "bot", "a" * 29 + "bot"),
    ],
)
def test_valid_bot_usernames(given: str, expected: str) -> None:
    assert normalize_bot_username(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "",
        "@",
        "abot",
        "TwoVisits",
        "two-visits_bot",
        "two visits bot",
        "a" * 30 + "bot",
        "兩訪bot",
        "@@TwoVisitsBot",
        "https://t.me/TwoVisitsBot",
    ],
)
def test_invalid_bot_usernames(given: str) -> None:
    with pytest.raises(InvalidBotUsername):
        normalize_bot_username(given)


def test_qr_file_names_are_safe_and_unique() -> None:
    taken: set[str] = set()
    assert qr_file_name("T1001", taken) == "T1001.png"
    assert qr_file_name("../etc/x", taken) == "_etc_x.png"
    assert qr_file_name("A/B", taken) == "A_B.png"
    assert qr_file_name("A:B", taken) == "A_B-2.png"
    assert qr_file_name("con", taken) == "_con.png"
    assert qr_file_name("...", taken) == "staff.png"


# ---- the command ----------------------------------------------------------------------------------


async def _run(*argv: str) -> int:
    # The command runs its own event loop, as from a shell.
    return await asyncio.to_thread(main, ["invites", *argv])


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BOT_DEFAULT_LOCALE", "en")


async def test_command_writes_csv_and_qr_codes(
    store: StoreHandle,
    district: dict[str, int],
    env: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out, qr = tmp_path / "invites.csv", tmp_path / "qr"
    assert await _run("--out", str(out), "--qr", str(qr), "--bot-username", "@TwoVisitsBot") == 0

    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    header, *body = _read_csv(out)
    assert header == ["staff_id", "name", "school", "roles", "link"]
    assert [row[:4] for row in body] == [
        ["D1", "盧穎", "", "district_leader"],
        ["T1", "彭志", "第一中學", "head_teacher;subject_teacher"],
        ["T2", "李詩涵", "第一中學", "school_leader"],
    ]
    async with store.sessions() as session:
        codes = {c.staff_id: c.code for c in await session.scalars(select(InviteCode))}
    assert body[1][4] == f"https://t.me/TwoVisitsBot?start={codes[district['t1']]}"

    pngs = sorted(p.name for p in qr.iterdir())
    assert pngs == ["D1.png", "T1.png", "T2.png"]
    assert all((qr / name).read_bytes().startswith(PNG_SIGNATURE) for name in pngs)
    assert "Wrote 3 invite links" in capsys.readouterr().out
    assert capsys.readouterr().err == ""

    # A second run writes the same links; --rotate new ones.
    assert await _run("--out", str(out), "--bot-username", "TwoVisitsBot") == 0
    assert _read_csv(out)[1:] == body
    assert "(0 new, 3 kept)" in capsys.readouterr().out
    assert await _run("--out", str(out), "--bot-username", "TwoVisitsBot", "--rotate") == 0
    rotated = _read_csv(out)[1:]
    assert [r[:4] for r in rotated] == [r[:4] for r in body]
    assert {r[4] for r in rotated}.isdisjoint(r[4] for r in body)


async def test_summary_in_the_default_locale(
    store: StoreHandle,
    district: dict[str, int],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)  # BOT_DEFAULT_LOCALE unset: zh-Hant
    assert await _run("--out", str(tmp_path / "x.csv"), "--bot-username", "TwoVisitsBot") == 0
    assert "新建 3 條" in capsys.readouterr().out


async def test_username_from_get_me(
    store: StoreHandle, district: dict[str, int], env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: dict[str, Any] = {}

    class FakeBot:
        username = "DistrictVisitsBot"

        def __init__(self, token: str, **kwargs: Any) -> None:
            seen.update(token=token, **kwargs)

        async def __aenter__(self) -> FakeBot:
            return self

        async def __aexit__(self, *exc: object) -> None:
            return None

    monkeypatch.setattr(invites_cli, "Bot", FakeBot)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:secret")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot")
    out = tmp_path / "invites.csv"
    assert await _run("--out", str(out)) == 0
    assert seen["token"] == "123456:secret" and seen["base_url"] == "http://127.0.0.1:8081/bot"
    assert _read_csv(out)[1][4].startswith("https://t.me/DistrictVisitsBot?start=")


async def test_no_username_and_no_token_is_refused(
    store: StoreHandle,
    district: dict[str, int],
    env: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "invites.csv"
    assert await _run("--out", str(out)) == 2
    err = capsys.readouterr().err
    assert "--bot-username" in err and "TELEGRAM_BOT_TOKEN" in err
    assert not out.exists()
    async with store.sessions() as session:
        assert await session.scalar(select(func.count(InviteCode.id))) == 0  # nothing issued


@pytest.mark.parametrize("name", ["TwoVisits", "xbot"])
async def test_bad_username_is_refused(
    store: StoreHandle,
    district: dict[str, int],
    env: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
) -> None:
    assert await _run("--out", str(tmp_path / "x.csv"), "--bot-username", name) == 2
    assert "not a bot username" in capsys.readouterr().err


async def test_missing_output_folder_is_refused(
    store: StoreHandle,
    district: dict[str, int],
    env: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await _run("--out", str(tmp_path / "nowhere" / "x.csv"), "--bot-username", "TwoVisitsBot") == 2
    assert "does not exist" in capsys.readouterr().err
    async with store.sessions() as session:
        assert await session.scalar(select(func.count(InviteCode.id))) == 0
