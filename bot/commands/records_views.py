"""What /my and /myvisits show: text and buttons, from plain data; no Telegram calls here.

Lists of names are cut with "… and N more" and classes packed into several messages when needed, so
no message passes Telegram's 4096 characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from telegram import InlineKeyboardMarkup

from bot.callback_data import records_delete_data, records_page_data, saved_data
from bot.i18n import Translator
from bot.keyboards import Button, button, inline
from bot.text import FORM_LABELS, esc
from reports.coverage import meets, shortfall, whole_percent
from store.people import ClassProgress, TeacherOption
from store.visit_views import NO_ANCHOR, UNKNOWN_ANCHOR, VisitPage, VisitSummary
from store.vocab import VisitForm, VisitKind

# Telegram allows 4096 characters of parsed text; we count the HTML source in UTF-16 units (more than
# Telegram counts), so staying under this is always safe.
MAX_TEXT = 4000
MIN_NAMES_ROOM = 80  # room kept for each list of names when packing classes into messages


def _units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


# --- fitting lists of names into messages ---------------------------------------------------------


@dataclass(frozen=True)
class Names:
    """A list of names in a message; shortened with "… and N more" when room runs out."""

    labels: tuple[str, ...]


Part = str | Names
Block = list[Part]


def names_within(tr: Translator, labels: Sequence[str], room: int) -> str:
    """As many escaped ``labels`` as fit in ``room`` units, then "… and N more" for the rest."""
    sep = tr.gettext(", ")
    shown: list[str] = []
    used = 0
    for i, label in enumerate(labels):
        piece = (sep if shown else "") + esc(label)
        rest = len(labels) - i - 1
        tail = _units(" " + tr.gettext("… and {n} more").format(n=rest)) if rest else 0
        if used + _units(piece) + tail > room:
            break
        shown.append(piece)
        used += _units(piece)
    text = "".join(shown)
    if len(shown) < len(labels):
        more = tr.gettext("… and {n} more").format(n=len(labels) - len(shown))
        text = f"{text} {more}" if text else more
    return text


def _fixed(block: Block) -> int:
    return sum(_units(p) for p in block if isinstance(p, str))


def _lists(block: Block) -> int:
    return sum(1 for p in block if isinstance(p, Names))


def fit_messages(tr: Translator, blocks: Sequence[Block], limit: int = MAX_TEXT) -> list[str]:
    """Pack blocks (one per class) into as few messages as fit; their name lists share the room left."""
    separator = "\n\n"
    groups: list[list[Block]] = []
    size = 0
    for block in blocks:
        need = _fixed(block) + MIN_NAMES_ROOM * _lists(block) + _units(separator)
        if groups and size + need <= limit:
            groups[-1].append(block)
            size += need
        else:
            groups.append([block])
            size = need
    messages = []
    for group in groups:
        room = limit - sum(_fixed(b) for b in group) - _units(separator) * (len(group) - 1)
        left = sum(_lists(b) for b in group)
        rendered = []
        for block in group:
            out = []
            for part in block:
                if isinstance(part, Names):
                    text = names_within(tr, part.labels, max(room // left, 0))
                    room, left = room - _units(text), left - 1
                    out.append(text)
                else:
                    out.append(part)
            rendered.append("".join(out))
        messages.append(separator.join(rendered))
    return messages


# --- /my ------------------------------------------------------------------------------------------


def _class_block(tr: Translator, c: ClassProgress, target: float) -> Block:
    _ = tr.gettext
    head = " · " + _("head teacher") if c.head else ""
    block: Block = [f"<b>{esc(c.class_name)}</b> · {esc(c.grade_name)}{head}\n"]
    if c.total == 0:
        return [*block, _("No students are counted in this class.")]
    percent = whole_percent(c.one_on_one, c.total)
    block.append(
        _("Visited: {visited} of {total} · one-on-one: {one} ({percent} %)").format(
            visited=c.visited, total=c.total, one=c.one_on_one, percent=percent
        )
        + "\n"
    )
    target_percent = round(target * 100)
    if meets(c.one_on_one, c.total, target):
        block.append(_("✅ One-on-one target ({target} %) met.").format(target=target_percent))
    else:
        block.append(
            _("⏳ One-on-one target {target} %: {n} more one-on-one visits needed.").format(
                target=target_percent, n=shortfall(c.one_on_one, c.total, target)
            )
        )
    if c.unvisited:
        block += ["\n", _("Not visited yet ({n}): ").format(n=len(c.unvisited)), Names(c.unvisited)]
    else:
        block += ["\n", _("Every student has been visited.")]
    if c.exempt:
        names = esc(_(", ").join(c.exempt))
        block += ["\n", _("Exempt (away for the campaign): {names}").format(names=names)]
    return block


def _interview_block(tr: Translator, teachers: Sequence[TeacherOption]) -> Block:
    _ = tr.gettext
    done = [t for t in teachers if t.interviewed]
    waiting = tuple(t.label for t in teachers if not t.interviewed)
    block: Block = [
        "<b>" + _("Teacher interviews") + "</b>\n",
        _("Interviewed: {done} of {total} teachers ({one} one-on-one).").format(
            done=len(done), total=len(teachers), one=sum(1 for t in done if t.interviewed_one_on_one)
        ),
    ]
    if waiting:
        block += ["\n", _("Not interviewed yet ({n}): ").format(n=len(waiting)), Names(waiting)]
        block += ["\n", _("Log one with /interview.")]
    return block


def my_messages(
    tr: Translator,
    classes: Sequence[ClassProgress],
    teachers: Sequence[TeacherOption] | None,
    *,
    target: float,
) -> list[str]:
    """The /my answer: a block per class, then the interviews of a cadre (``teachers`` not None)."""
    _ = tr.gettext
    blocks: list[Block] = []
    if classes:
        blocks.append(["📊 <b>" + _("Your classes") + "</b>"])
        blocks += [_class_block(tr, c, target) for c in classes]
    if teachers is not None:
        blocks.append(_interview_block(tr, teachers))
    if not blocks:
        blocks.append([_("The roster links no class to you, so there is no class progress to show.")])
    return fit_messages(tr, blocks)


# --- /myvisits ------------------------------------------------------------------------------------


def visit_line(
    tr: Translator,
    *,
    visit_date: date,
    kind: VisitKind,
    names: Sequence[str],
    count: int,
    form: VisitForm,
    one_on_one: bool,
    class_name: str | None,
) -> str:
    """One visit in a line: date · who · form · one-on-one mark · class."""
    _ = tr.gettext
    if count > 1:
        listed = _(", ").join(names) + ("…" if count > len(names) else "")
        who = _("group talk of {n}: {names}").format(n=count, names=esc(listed))
    else:
        who = esc(names[0]) if names else "—"
    parts = [visit_date.isoformat(), who, _(FORM_LABELS[form])]
    if one_on_one:
        parts.append(_("👤 one-on-one"))
    if class_name:
        parts.append(esc(class_name))
    elif kind is VisitKind.TEACHER:
        parts.append(_("teacher interview"))
    return " · ".join(parts)


def _summary_line(tr: Translator, v: VisitSummary) -> str:
    return visit_line(
        tr, visit_date=v.visit_date, kind=v.kind, names=v.visitee_names, count=v.visitee_count,
        form=v.form, one_on_one=v.one_on_one, class_name=v.class_name,
    )


def page_view(
    tr: Translator, view: VisitPage, *, header: str | None = None, can_visit: bool = True
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and buttons of one page of /myvisits."""
    _ = tr.gettext
    lines = [header, ""] if header else []
    if not view.visits and view.page == 0:
        hint = _("To log your first one, use /visit right after a talk.") if can_visit else _(
            "To log your first one, use /interview right after a talk."
        )
        return "\n".join([*lines, _("You have not logged any visits yet."), hint]), None
    lines.append("🗂 <b>" + _("Your visits, newest first (page {n})").format(n=view.page + 1) + "</b>")
    rows: list[list[Button]] = []
    for n, visit in enumerate(view.visits, start=1):
        lines.append(f"<b>{n}.</b> {_summary_line(tr, visit)}")
        rows.append([
            button(_("✏️ Edit {n}").format(n=n), saved_data("ledit", visit.id)),
            button(_("🗑 Delete {n}").format(n=n), records_delete_data(visit.id, view.page, view.anchor)),
        ])
    nav: list[Button] = []
    if view.page > 0:
        back_anchor = NO_ANCHOR if view.page == 1 else UNKNOWN_ANCHOR
        nav.append(button(_("◀️ Newer"), records_page_data(view.page - 1, back_anchor)))
    if view.has_older and view.visits:
        nav.append(button(_("Older ▶️"), records_page_data(view.page + 1, view.visits[-1].id)))
    rows.append(nav)
    return "\n".join(lines), inline(rows)
