"""What every step of the visit flow shares: the flow in user_data, one call's context, replying,
cancel and the stale and left-the-roster answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot import edges
from bot.callback_data import saved_data
from bot.context import BotContext, stranger_text
from bot.conversations.visit_state import DRAFT_KEY, Flow, Step, Unreadable, flow_from_json
from bot.i18n import Translator
from bot.keyboards import button, inline
from bot.persistence import StorePersistence
from bot.text import expired_text
from store.campaign import CampaignInfo
from store.clock import local_today
from store.scopes import Scope
from store.vocab import VisitKind

END = ConversationHandler.END
CONVERSATION = "visit"
Next = Step | int  # what a step's tap or text leads to: the step to show, or END (answered itself)
Markup = InlineKeyboardMarkup


@dataclass
class StepCall:
    """One update inside the flow: who, in which language, and the flow as the step leaves it."""

    update: Update
    context: BotContext
    tr: Translator
    scope: Scope
    flow: Flow
    answered: bool = field(default=False)

    @property
    def campaign(self) -> CampaignInfo:
        return self.context.services.campaign

    @property
    def today(self) -> date:
        return campaign_today(self.context)

    async def notice(self, text: str, *, alert: bool = False) -> None:
        """Tell the person something about their tap (or typed text) without leaving the step."""
        query = self.update.callback_query
        if query is not None:
            await edges.answer(query, text, show_alert=alert)
            self.answered = True
        elif self.update.effective_message is not None:
            await self.update.effective_message.reply_text(text)


def campaign_today(context: BotContext) -> date:
    return local_today(context.clock, context.services.campaign.config.zone)


def load_flow(context: BotContext) -> Flow | None:
    """The visit in progress; raises Unreadable for a stored draft this bot cannot read back."""
    data = context.user_data.get(DRAFT_KEY) if context.user_data is not None else None
    return None if data is None else flow_from_json(data)


def keep_flow(context: BotContext, flow: Flow | None) -> None:
    if context.user_data is None:
        return
    if flow is None:
        context.user_data.pop(DRAFT_KEY, None)
    else:
        context.user_data[DRAFT_KEY] = flow.to_json()


async def present(update: Update, text: str, keyboard: Markup | None, *, new_message: bool = False) -> None:
    """Edit the tapped message in place; after typed text (or when asked), send a new one."""
    query = update.callback_query
    if query is not None and query.message is not None and not new_message:
        await edges.edit_text(query, text, keyboard)
        return
    if update.effective_chat is not None:
        await update.effective_chat.send_message(text, reply_markup=keyboard)


async def reply(
    update: Update,
    context: BotContext,
    state: Step | None,
    text: str,
    keyboard: Markup | None = None,
    *,
    new_message: bool = False,
    alert: bool = False,
) -> None:
    """The flow's one reply point: ``state`` (None: the flow ends) and the flow are stored, then
    shown (``alert``: as the tap's answer, the message left as it is).

    PTB confirms an update to Telegram before its handler runs and writes persistence after it, so a
    crash right after our reply would otherwise lose the step the teacher is looking at.
    """
    if state is None:
        keep_flow(context, None)
    persistence = context.application.persistence
    user = update.effective_user
    if isinstance(persistence, StorePersistence) and user is not None:
        await persistence.write_through(context, int(state) if state else None, user.id)
    if alert and update.callback_query is not None:
        await edges.answer(update.callback_query, text, show_alert=True)
    else:
        await present(update, text, keyboard, new_message=new_message)


async def stale(update: Update, context: BotContext) -> None:
    if update.callback_query is not None:
        await edges.answer(update.callback_query, expired_text(await context.tr(update)))


async def left_the_roster(update: Update, context: BotContext) -> bool:
    """True (and the flow is ended, then explained) when the person is no longer bound and active."""
    if await context.scope(update) is not None:
        return False
    text = await stranger_text(update, context)
    await reply(update, context, None, text, new_message=True, alert=True)
    return True


async def unreadable(update: Update, context: BotContext, error: Unreadable) -> int:
    """A visit in progress kept by an earlier version of the bot that cannot be read back: drop it."""
    tr = await context.tr(update)
    text = tr.gettext(
        "The bot was updated and could not keep the visit you were logging. Nothing was saved; "
        "please start it again with /visit or /interview."
    )
    if update.callback_query is not None:
        await edges.answer(update.callback_query)
    await reply(update, context, None, text, new_message=update.callback_query is None)
    return END


async def cancel(update: Update, context: BotContext) -> int:
    tr = await context.tr(update)
    await reply(update, context, None, tr.gettext("Cancelled. Nothing was saved."))
    return END


def saved_keyboard(
    tr: Translator, class_id: int | None, kind: VisitKind | None, *, editable: bool, visit_id: int | None
) -> Markup:
    rows: list[list[tuple[str, str]]] = []
    if visit_id is not None and editable:
        rows.append([button(tr.gettext("✏️ Edit"), saved_data("edit", visit_id))])
    if class_id is not None and kind is VisitKind.STUDENT and visit_id is not None:
        rows.append(
            [
                button(tr.gettext("➕ Another in this class"), saved_data("again", class_id)),
                button(tr.gettext("✔️ Done"), saved_data("done", visit_id)),
            ]
        )
    return inline(rows)
