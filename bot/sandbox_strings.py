"""The sandbox's own words: its web page's strings and what the launcher prints, through gettext.

The page gets them as plain data (one table per locale), so ``sandbox/`` needs no catalogue of its
own and ``tests/test_locales.py`` checks them with the rest.
"""

from __future__ import annotations

from bot.i18n import N_, translator
from store.vocab import Locale

LOCALE_NAMES = ((Locale.ZH_HANT, "繁體中文"), (Locale.ZH_HANS, "简体中文"), (Locale.EN, "English"))

PAGE_STRINGS = {
    "title": N_("Two Visits sandbox"),
    "notice": N_(
        "For trying and training only: a simulated Telegram on this computer, with a demo district. "
        "Nothing here reaches Telegram or a real roster."
    ),
    "pick_person": N_("Pick a person"),
    "pick_hint": N_("Pick a person on the left to chat with the bot as them."),
    "search": N_("Search by name, role, school or class"),
    "no_match": N_("Nobody matches."),
    "chats": N_("Chats"),
    "private_chat": N_("Private chat with the bot"),
    "group": N_("Group"),
    "switch_person": N_("Switch person"),
    "type_message": N_("Message"),
    "send": N_("Send"),
    "edited": N_("edited"),
    "download": N_("Download"),
    "contact_shared": N_("Phone number shared: {phone}"),
    "empty_chat": N_("No messages yet. Send /start to begin."),
    "empty_group": N_("No messages yet. Send /help to see what the bot does in this group."),
    "clock": N_("Time"),
    "plus_hour": N_("+1 hour"),
    "plus_day": N_("+1 day"),
    "next_event": N_("⏭ Next scheduled"),
    "reset": N_("Reset"),
    "reset_confirm": N_(
        "Back to the demo data? Every chat, and everything logged in this sandbox, is lost."
    ),
    "as_new": N_("As new"),
    "as_new_confirm": N_(
        "Meet the bot as new? {name} gets a fresh Telegram account that is not registered yet."
    ),
    "as_new_hint": N_(
        "First contact: open the invite link from the district office, or send /start and share "
        "your phone number."
    ),
    "invite_link": N_("Invite link"),
    "back": N_("Back"),
    "language": N_("Language"),
    "error": N_("Something went wrong: {error}"),
}


def page_strings() -> dict[str, dict[str, str]]:
    """Every page string in every locale: locale code → key → text."""
    return {
        locale.value: {key: translator(locale).gettext(msgid) for key, msgid in PAGE_STRINGS.items()}
        for locale, _name in LOCALE_NAMES
    }
