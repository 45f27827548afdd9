"""After a new visit is saved: if the visitor owes that person a follow-up (回訪), ask whether this
visit is it; the button (``/followups``' family) closes it. Below the visit flow and the commands."""

from __future__ import annotations

from telegram import Update

from bot.callback_data import FOLLOW_UP, rectify_data
from bot.context import BotContext
from bot.keyboards import inline
from bot.text import esc
from store.followups import open_for
from store.scopes import Scope
from store.visit_views import VisitDetails


async def offer_follow_ups(update: Update, context: BotContext, scope: Scope, details: VisitDetails) -> None:
    """After a new visit: if it is with someone this visitor owes a follow-up, ask whether it is it."""
    chat = update.effective_chat
    if chat is None:
        return
    async with context.session() as session:
        pending = [
            f
            for f in await open_for(
                session=session, scope=scope, kind=details.kind, person_ids=[p.id for p in details.visitees]
            )
            if f.visit_id != details.id
        ]
    if not pending:
        return
    tr = await context.tr(update)
    for f in pending[:5]:
        text = tr.gettext("Is this the follow-up of {name} (visit of {visit}, due {due})?").format(
            name=esc(f.person_name), visit=f.visit_date.isoformat(), due=f.due_date.isoformat()
        )
        await context.bot.send_message(
            chat.id,
            text,
            reply_markup=inline(
                [[(tr.gettext("✅ Yes, it is"), rectify_data(FOLLOW_UP, "close", f.id, details.id))]]
            ),
        )
