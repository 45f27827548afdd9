"""Every user-facing message is translated in both Chinese catalogues, with its placeholders intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from bot.i18n import catalogue, choose_locale, locale_from_telegram, translator
from store.vocab import Locale

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}")


def extracted_messages() -> dict[str | tuple[str, str], str]:
    """msgid → where it was found, over bot/, store/ and reports/."""
    found: dict[str | tuple[str, str], str] = {}
    for package in ("bot", "store", "reports"):
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            key = tuple(message) if isinstance(message, tuple | list) else message
            if key:
                found.setdefault(key, f"{package}/{filename}:{lineno}")  # type: ignore[arg-type]
    return found


def test_extraction_finds_messages() -> None:
    assert len(extracted_messages()) > 20


@pytest.mark.parametrize("locale", [Locale.ZH_HANT, Locale.ZH_HANS])
def test_chinese_catalogues_are_complete(locale: Locale) -> None:
    messages = catalogue(locale)
    missing = [
        f"{where}: {msgid!r}" for msgid, where in extracted_messages().items() if msgid not in messages
    ]
    assert not missing, f"{len(missing)} messages untranslated in {locale}:\n" + "\n".join(missing)


@pytest.mark.parametrize("locale", list(Locale))
def test_placeholders_survive_translation(locale: Locale) -> None:
    broken = []
    for msgid, translated in catalogue(locale).items():
        source = " ".join(msgid) if isinstance(msgid, tuple) else msgid
        for text in (translated,) if isinstance(translated, str) else translated:
            if set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(text)):
                broken.append(f"{msgid!r} → {text!r}")
    assert not broken, "\n".join(broken)


def test_scripts_differ_between_traditional_and_simplified() -> None:
    hant, hans = translator(Locale.ZH_HANT), translator(Locale.ZH_HANS)
    assert hant.gettext("Log a student visit") != hans.gettext("Log a student visit")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("zh-hant", Locale.ZH_HANT), ("zh-TW", Locale.ZH_HANT), ("zh-hk", Locale.ZH_HANT),
        ("zh-mo", Locale.ZH_HANT), ("zh-hans", Locale.ZH_HANS), ("zh-CN", Locale.ZH_HANS),
        ("zh-sg", Locale.ZH_HANS), ("en", Locale.EN), ("en-GB", Locale.EN), ("fr", None), (None, None),
    ],
)
def test_telegram_language_codes(code: str | None, expected: Locale | None) -> None:
    assert locale_from_telegram(code) is expected


def test_choice_order() -> None:
    default = Locale.ZH_HANT
    assert choose_locale(chosen="en", roster="zh-Hans", telegram_code="zh-tw", default=default) is Locale.EN
    assert choose_locale(chosen=None, roster="zh-Hans", telegram_code="en", default=default) is Locale.ZH_HANS
    assert choose_locale(chosen=None, roster=None, telegram_code="en-US", default=default) is Locale.EN
    assert choose_locale(chosen=None, roster=None, telegram_code="de", default=default) is default


def test_unknown_message_falls_back_to_msgid() -> None:
    assert translator(Locale.ZH_HANT).gettext("no such message") == "no such message"
    assert translator(Locale.EN).ngettext("{n} visit", "{n} visits", 2) == "{n} visits"
