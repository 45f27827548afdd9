"""Translations: gettext catalogues under ``locales/<lang>/LC_MESSAGES/*.po``, chosen per update.

Catalogues are read from the ``.po`` sources with Babel when first needed, so there is no compiled
``.mo`` to fall out of step. Every ``.po`` file in a locale's folder is merged, so each feature keeps
its own file. The translator is passed along, never installed globally.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

import locales
from store.vocab import Locale

LOCALES_DIR = Path(locales.__file__).parent
_FOLDERS = {Locale.ZH_HANT: "zh_Hant", Locale.ZH_HANS: "zh_Hans", Locale.EN: "en"}


def N_(message: str) -> str:
    """Mark a string for extraction where it is defined; translate it where it is shown."""
    return message


@cache
def catalogue(locale: Locale) -> dict[str | tuple[str, str], str | tuple[str, ...]]:
    """All translated messages of ``locale``: msgid (or (singular, plural)) → translation."""
    folder = LOCALES_DIR / _FOLDERS[locale] / "LC_MESSAGES"
    messages: dict[str | tuple[str, str], str | tuple[str, ...]] = {}
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as handle:
            cat = read_po(handle, locale=_FOLDERS[locale])
        for message in cat:
            if not message.id or message.fuzzy:
                continue
            if isinstance(message.id, tuple | list):
                strings = tuple(message.string or ())
                if strings and all(strings):
                    messages[(message.id[0], message.id[1])] = strings
            elif isinstance(message.string, str) and message.string:
                messages[message.id] = message.string
    return messages


class Translator:
    """gettext for one locale; a missing message falls back to the (English) msgid."""

    def __init__(self, locale: Locale) -> None:
        self.locale = locale
        self._messages = catalogue(locale)

    def gettext(self, message: str) -> str:
        found = self._messages.get(message)
        return found if isinstance(found, str) else message

    __call__ = gettext

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self._messages.get((singular, plural))
        if isinstance(found, tuple):
            # Chinese has one plural form; English two.
            return found[0] if len(found) == 1 or n == 1 else found[1]
        return singular if n == 1 else plural


@cache
def translator(locale: Locale | str) -> Translator:
    return Translator(Locale(locale))


_TELEGRAM_CODES: dict[str, Locale] = {
    "zh-hant": Locale.ZH_HANT,
    "zh-tw": Locale.ZH_HANT,
    "zh-hk": Locale.ZH_HANT,
    "zh-mo": Locale.ZH_HANT,
    "zh-hans": Locale.ZH_HANS,
    "zh-cn": Locale.ZH_HANS,
    "zh-sg": Locale.ZH_HANS,
}


def locale_from_telegram(language_code: str | None) -> Locale | None:
    """Telegram's ``language_code`` mapped as SPEC.md says; None when it tells us nothing."""
    if not language_code:
        return None
    code = language_code.strip().lower().replace("_", "-")
    if code in _TELEGRAM_CODES:
        return _TELEGRAM_CODES[code]
    if code == "en" or code.startswith("en-"):
        return Locale.EN
    return None


def parse_locale(value: str | None) -> Locale | None:
    """A stored or typed locale name (``zh-Hant``, ``zh_hans``, ``EN``…), or None."""
    if not value:
        return None
    wanted = value.strip().lower().replace("_", "-")
    return next((loc for loc in Locale if loc.value.lower() == wanted), None)


def choose_locale(
    *, chosen: str | None, roster: str | None, telegram_code: str | None, default: Locale
) -> Locale:
    """First that applies: ``/lang``, the roster's language, Telegram's language_code, the default."""
    return parse_locale(chosen) or parse_locale(roster) or locale_from_telegram(telegram_code) or default


Gettext = Callable[[str], str]
