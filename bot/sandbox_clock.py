"""The sandbox's "next scheduled" button: when the campaign's weekly events come next.

The campaign file names them (``[schedule]``: the weekly summary, the class nudges, as "MON 08:00");
the sandbox moves its clock just past the nearer one, and the bot's scheduler, which reads the same
clock, sends what is due on its next tick.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo

from bot.i18n import N_
from store.campaign import CampaignConfig

DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
EVENTS = (("weekly_summary", N_("the weekly summary")), ("class_nudges", N_("the class nudges")))
JUST_PAST = timedelta(seconds=1)


def next_weekly(spec: str, now: datetime, tz: tzinfo) -> datetime:
    """The first instant strictly after ``now`` that matches ``spec`` ("THU 16:30") in ``tz``."""
    day, _, clock = spec.partition(" ")
    hour, minute = (int(part) for part in clock.split(":"))
    local = now.astimezone(tz)
    ahead = (DAYS.index(day) - local.weekday()) % 7
    candidate = datetime.combine(local.date() + timedelta(days=ahead), time(hour, minute), tz)
    return candidate if candidate > local else candidate + timedelta(days=7)


def next_event(config: CampaignConfig, now: datetime) -> tuple[str, datetime]:
    """The campaign's next weekly event after ``now``: (its msgid, when)."""
    found = [(next_weekly(getattr(config.schedule, key), now, config.zone), label) for key, label in EVENTS]
    when, label = min(found)
    return label, when
