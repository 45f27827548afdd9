"""The campaign configuration: loaded from the district's TOML file, or defaults that follow the seed.

The file's format is ``campaign.example.toml``; every key has a default, so a missing file or key is
fine, and a wrong one is a :class:`CampaignError` naming the key.
"""

from __future__ import annotations

import calendar
import re
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.clock import check_timezone
from store.models import Campaign, OpinionCategory, OutlineTopic, Phase
from store.vocab import VisitKind

PHASE_KEYS = ("mobilize", "visit", "rectify", "evaluate", "commend")
DEFAULT_STUDENT_TOPICS = ["學習情況", "生活情況", "心理狀態", "對學校的意見建議", "家庭情況", "教育強區宣傳"]
DEFAULT_TEACHER_TOPICS = ["績效工資管理", "崗位設置", "學校改革發展", "教學工作", "個人困難"]
DEFAULT_OPINION_CATEGORIES = ["教學", "管理", "後勤(食堂/宿舍)", "安全", "師資待遇", "政策", "其他"]
_DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_WEEKLY = re.compile(r"^(MON|TUE|WED|THU|FRI|SAT|SUN) ([01]\d|2[0-3]):([0-5]\d)$")
_QUIET = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


class CampaignError(ValueError):
    """The campaign file cannot be used; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PhaseConfig(_Strict):
    key: str
    start: date
    end: date

    @field_validator("key")
    @classmethod
    def _known_key(cls, value: str) -> str:
        if value not in PHASE_KEYS:
            raise ValueError(f"unknown phase {value!r}; expected one of {', '.join(PHASE_KEYS)}")
        return value


class Targets(_Strict):
    student_coverage: float = Field(1.0, ge=0, le=1)
    student_one_on_one: float = Field(0.8, ge=0, le=1)
    teacher_coverage: float = Field(1.0, ge=0, le=1)
    teacher_one_on_one: float = Field(1.0, ge=0, le=1)
    focus_one_on_one: float = Field(1.0, ge=0, le=1)


class Schedule(_Strict):
    weekly_summary: str = "MON 08:00"
    class_nudges: str = "THU 16:30"
    quiet_hours: str = "21:30-07:00"

    @field_validator("weekly_summary", "class_nudges")
    @classmethod
    def _weekly(cls, value: str) -> str:
        if not _WEEKLY.match(value):
            raise ValueError(f"{value!r} is not a weekly time like 'MON 08:00'")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        if not _QUIET.match(value):
            raise ValueError(f"{value!r} is not a time range like '21:30-07:00'")
        return value


class Evaluation(_Strict):
    student_coverage: float = Field(30, ge=0)
    student_one_on_one: float = Field(20, ge=0)
    teacher_coverage: float = Field(20, ge=0)
    focus_coverage: float = Field(10, ge=0)
    follow_up_done: float = Field(5, ge=0)
    rectification_on_time: float = Field(15, ge=0)
    # School leaders taking part in visits of their linked grades, and the supervisors' review
    # outcomes (see reports/scores.py for what each part measures).
    leader_participation: float = Field(10, ge=0)
    review_outcome: float = Field(10, ge=0)


class ReviewConfig(_Strict):
    """``[review]``: supervision's sample and the thresholds of its plausibility flags
    (``store/plausibility.py``). Flags are shown to reviewers, never applied by themselves."""

    sample_size: int = Field(5, ge=1, le=20)  # visits one /review draws
    recent_days: int = Field(14, ge=1, le=366)  # how far back (by the time saved) it draws from
    burst_visits: int = Field(5, ge=2)  # this many one-on-one visits saved by one person …
    burst_minutes: int = Field(10, ge=1)  # … within this many minutes: flagged
    pasted_min_chars: int = Field(40, ge=1)  # a text this long in two visits of one person: flagged


class CampaignConfig(_Strict):
    """A district's campaign, validated."""

    name: str = "兩訪兩創"
    timezone: str = "Asia/Shanghai"
    start: date
    end: date
    phases: list[PhaseConfig]
    targets: Targets = Targets()
    schedule: Schedule = Schedule()
    student_topics: list[str] = Field(default_factory=lambda: list(DEFAULT_STUDENT_TOPICS), min_length=1)
    teacher_topics: list[str] = Field(default_factory=lambda: list(DEFAULT_TEACHER_TOPICS), min_length=1)
    opinion_categories: list[str] = Field(
        default_factory=lambda: list(DEFAULT_OPINION_CATEGORIES), min_length=1
    )
    evaluation: Evaluation = Evaluation()
    review: ReviewConfig = ReviewConfig()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("student_topics", "teacher_topics", "opinion_categories")
    @classmethod
    def _clean_names(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip() for v in values]
        if any(not v for v in cleaned):
            raise ValueError("empty name in list")
        if any(len(v) > 60 for v in cleaned):
            raise ValueError("a name is longer than 60 characters")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("duplicate name in list")
        return cleaned

    @model_validator(mode="after")
    def _dates(self) -> CampaignConfig:
        if self.start > self.end:
            raise ValueError("campaign start is after its end")
        seen = [p.key for p in self.phases]
        if sorted(seen, key=PHASE_KEYS.index) != seen or len(set(seen)) != len(seen):
            raise ValueError("phases must be listed once each, in order: " + ", ".join(PHASE_KEYS))
        for phase in self.phases:
            if phase.start > phase.end:
                raise ValueError(f"phase {phase.key!r} starts after it ends")
            if phase.start < self.start or phase.end > self.end:
                raise ValueError(f"phase {phase.key!r} lies outside the campaign's dates")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def phase(self, key: str) -> PhaseConfig | None:
        return next((p for p in self.phases if p.key == key), None)


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def default_dates(first_day: date) -> dict[str, Any]:
    """Five phases over five months from ``first_day``'s month, shaped like the seed's April–August."""
    m1 = first_day.replace(day=1)
    m3, m4, m5 = (_add_months(m1, n) for n in (2, 3, 4))
    return {
        "start": m1,
        "end": _month_end(m5),
        "phases": [
            {"key": "mobilize", "start": m1, "end": m1.replace(day=15)},
            {"key": "visit", "start": m1.replace(day=16), "end": _month_end(m3)},
            {"key": "rectify", "start": m4, "end": _month_end(m4)},
            {"key": "evaluate", "start": m5, "end": m5.replace(day=20)},
            {"key": "commend", "start": m5.replace(day=21), "end": _month_end(m5)},
        ],
    }


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(file)"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


_LISTS = ("student_topics", "teacher_topics", "opinion_categories")


def _hoist_lists(data: dict[str, Any]) -> dict[str, Any]:
    """Lift the topic and category lists out of ``[schedule]``.

    In TOML every key after a ``[table]`` header belongs to that table, so lists written below
    ``[schedule]`` (as ``campaign.example.toml`` itself does) land inside it. Offices will copy that
    file, so we read them where they meant them to be.
    """
    merged = dict(data)
    schedule = merged.get("schedule")
    if isinstance(schedule, dict) and any(k in schedule for k in _LISTS):
        schedule = dict(schedule)
        for key in _LISTS:
            if key in schedule and key not in merged:
                merged[key] = schedule.pop(key)
        merged["schedule"] = schedule
    return merged


def parse_campaign(data: dict[str, Any], *, created_on: date, source: str = "campaign") -> CampaignConfig:
    """Validate a campaign mapping; missing dates default to five months from ``created_on``."""
    merged = _hoist_lists(data)
    if "start" not in merged and "end" not in merged and "phases" not in merged:
        merged.update(default_dates(created_on))
    elif "phases" not in merged:
        if "start" not in merged or "end" not in merged:
            raise CampaignError(f"{source}: give both start and end, or neither")
        merged["phases"] = default_dates(merged["start"])["phases"]
        # A campaign shorter or longer than five months keeps the seed's shape only approximately:
        # clamp the defaults into the given dates so the file still validates.
        merged["phases"] = [
            {**p, "start": max(p["start"], merged["start"]), "end": min(p["end"], merged["end"])}
            for p in merged["phases"]
            if p["start"] <= merged["end"]
        ]
    try:
        return CampaignConfig.model_validate(merged)
    except ValidationError as exc:
        raise CampaignError(f"{source}: {_describe(exc)}") from None


def load_campaign_file(path: Path | None, *, created_on: date) -> tuple[CampaignConfig, str]:
    """Read the campaign from ``path`` (None: built-in defaults). Returns the config and its source."""
    if path is None:
        return parse_campaign({}, created_on=created_on, source="defaults"), "defaults"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CampaignError(f"{path}: campaign file not found") from None
    except OSError as exc:
        raise CampaignError(f"{path}: cannot read campaign file ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise CampaignError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise CampaignError(f"{path}: not valid TOML ({exc})") from None
    return parse_campaign(data, created_on=created_on, source=str(path)), str(path)


class TopicInfo(BaseModel):
    id: int
    name: str
    audience: VisitKind


class CategoryInfo(BaseModel):
    id: int
    name: str


class CampaignInfo(BaseModel):
    """The campaign as stored, with the ids the rest of the product refers to."""

    id: int
    config: CampaignConfig
    source: str
    student_topics: list[TopicInfo]
    teacher_topics: list[TopicInfo]
    categories: list[CategoryInfo]

    def topics(self, audience: VisitKind) -> list[TopicInfo]:
        return self.student_topics if audience is VisitKind.STUDENT else self.teacher_topics


async def _sync_named(
    session: AsyncSession, model: type[OutlineTopic] | type[OpinionCategory], campaign_id: int,
    names: list[str], **match: Any,
) -> None:
    """Upsert by name; names no longer listed are deactivated, since visits refer to them."""
    result = await session.scalars(select(model).filter_by(campaign_id=campaign_id, **match))
    rows: list[OutlineTopic | OpinionCategory] = list(result.all())  # type: ignore[arg-type]
    by_name = {r.name: r for r in rows}
    for position, name in enumerate(names):
        row = by_name.pop(name, None)
        if row is None:
            session.add(model(campaign_id=campaign_id, name=name, position=position, active=True, **match))
        else:
            row.position, row.active = position, True
    for row in by_name.values():
        row.active = False


async def store_campaign(
    *, session: AsyncSession, config: CampaignConfig, source: str, now: datetime
) -> CampaignInfo:
    """Write the campaign into the database (one campaign per installation) and commit."""
    campaign = await session.scalar(select(Campaign).order_by(Campaign.id).limit(1))
    values = {
        "name": config.name,
        "timezone": config.timezone,
        "start": config.start,
        "end": config.end,
        "targets": config.targets.model_dump(),
        "schedule": config.schedule.model_dump(),
        "evaluation": config.evaluation.model_dump(),
        "review": config.review.model_dump(),
        "source": source,
        "loaded_at": now,
    }
    if campaign is None:
        campaign = Campaign(**values)
        session.add(campaign)
        await session.flush()
    else:
        for key, value in values.items():
            setattr(campaign, key, value)
    district_phases = (
        await session.scalars(select(Phase).filter_by(campaign_id=campaign.id, school_id=None))
    ).all()
    for old in district_phases:
        await session.delete(old)
    for p in config.phases:
        session.add(Phase(campaign_id=campaign.id, school_id=None, key=p.key, start=p.start, end=p.end))
    await _sync_named(session, OutlineTopic, campaign.id, config.student_topics,
                      audience=VisitKind.STUDENT.value, school_id=None)
    await _sync_named(session, OutlineTopic, campaign.id, config.teacher_topics,
                      audience=VisitKind.TEACHER.value, school_id=None)
    await _sync_named(session, OpinionCategory, campaign.id, config.opinion_categories)
    await session.commit()
    info = await current_campaign(session=session)
    assert info is not None
    return info


async def current_campaign(*, session: AsyncSession) -> CampaignInfo | None:
    """The stored campaign with its active topics and categories, or None before the first start."""
    campaign = await session.scalar(select(Campaign).order_by(Campaign.id).limit(1))
    if campaign is None:
        return None
    phases = (
        await session.scalars(
            select(Phase).filter_by(campaign_id=campaign.id, school_id=None).order_by(Phase.start)
        )
    ).all()
    config = CampaignConfig(
        name=campaign.name,
        timezone=campaign.timezone,
        start=campaign.start,
        end=campaign.end,
        phases=[PhaseConfig(key=p.key, start=p.start, end=p.end) for p in phases],
        targets=Targets(**campaign.targets),
        schedule=Schedule(**campaign.schedule),
        evaluation=Evaluation(**campaign.evaluation),
        review=ReviewConfig(**(campaign.review or {})),
        student_topics=["-"],
        teacher_topics=["-"],
        opinion_categories=["-"],
    )
    topics = (
        await session.scalars(
            select(OutlineTopic)
            .filter_by(campaign_id=campaign.id, school_id=None, active=True)
            .order_by(OutlineTopic.position)
        )
    ).all()
    categories = (
        await session.scalars(
            select(OpinionCategory)
            .filter_by(campaign_id=campaign.id, active=True)
            .order_by(OpinionCategory.position)
        )
    ).all()
    student = [TopicInfo(id=t.id, name=t.name, audience=VisitKind.STUDENT) for t in topics
               if t.audience == VisitKind.STUDENT]
    teacher = [TopicInfo(id=t.id, name=t.name, audience=VisitKind.TEACHER) for t in topics
               if t.audience == VisitKind.TEACHER]
    config = config.model_copy(update={
        "student_topics": [t.name for t in student],
        "teacher_topics": [t.name for t in teacher],
        "opinion_categories": [c.name for c in categories],
    })
    return CampaignInfo(
        id=campaign.id,
        config=config,
        source=campaign.source,
        student_topics=student,
        teacher_topics=teacher,
        categories=[CategoryInfo(id=c.id, name=c.name) for c in categories],
    )
