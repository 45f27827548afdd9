"""Group chats: ``/bind`` and ``/unbind``, the bot added or removed, a group becoming a supergroup,
and ``/lang`` in a group (the language of everything the bot posts there).

Groups get aggregates only. Commands arrive as ``/bind@OurBot`` with privacy mode on; PTB's
``CommandHandler`` accepts the suffix. Who may bind is the store's answer (``Scope.may_bind_group_of``).
"""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler, MessageHandler, filters

from bot import edges
from bot.callback_data import GROUP_LANG, GroupLangTap, group_lang_data
from bot.context import BotContext, read_tap
from bot.group_chats import binding_name, chat_binding, group_tr, how_to_bind, not_staff_text
from bot.i18n import Translator, parse_locale, translator
from bot.keyboards import button, inline
from store.groups import (
    GroupOutcome,
    bind_group,
    bot_removed,
    migrate_group,
    set_group_locale,
    unbind_group,
)
from store.scopes import Scope
from store.vocab import Locale

log = logging.getLogger(__name__)

GROUPS = filters.ChatType.GROUPS & ~filters.UpdateType.EDITED
LANGUAGE_NAMES = {Locale.ZH_HANT: "繁體中文", Locale.ZH_HANS: "简体中文", Locale.EN: "English"}


async def _staff_scope(update: Update, context: BotContext, tr: Translator) -> Scope | None:
    """The sender's scope; for someone not on the roster, None after saying so."""
    scope = await context.scope(update)
    if scope is None and update.effective_message is not None:
        await update.effective_message.reply_text(not_staff_text(tr))
    return scope


# --- /bind, /unbind -----------------------------------------------------------------------------


async def bind_command(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    binding = await chat_binding(update, context)
    tr = await group_tr(update, context, binding)
    _ = tr.gettext
    scope = await _staff_scope(update, context, tr)
    if scope is None:
        return
    args = context.args or []
    district = bool(args) and args[0].lower() in ("district", "區", "区")
    async with context.session() as session:
        result = await bind_group(session=session, chat_id=chat.id, scope=scope, now=context.clock.now(),
                                  title=chat.title, district=district)
    bound = result.binding
    if result.outcome is GroupOutcome.NOT_ALLOWED or bound is None:
        text = _(
            "Only a school leader or middle cadre can bind a group to their school, and only the "
            "district office the district group."
        )
    elif result.outcome is GroupOutcome.BOUND_ELSEWHERE:
        text = _(
            "This group is bound to {name}; only a school leader or middle cadre of that school can "
            "/unbind it."
        ).format(name=binding_name(tr, bound))
    elif result.outcome is GroupOutcome.ALREADY_BOUND:
        text = _("This group is already bound to {name}.").format(name=binding_name(tr, bound))
    elif bound.is_district:
        text = _(
            "This group is now the district group. Send /coverage here for the schools' progress; "
            "I post aggregates only, never anyone's name."
        )
    else:
        text = _(
            "This group is now bound to {name}. Any of the school's staff may send /coverage here; "
            "I post aggregates only, never anyone's name."
        ).format(name=binding_name(tr, bound))
    await message.reply_text(text)


async def unbind_command(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    binding = await chat_binding(update, context)
    tr = await group_tr(update, context, binding)
    _ = tr.gettext
    if binding is None:
        await message.reply_text(how_to_bind(tr, context.bot.username))
        return
    scope = await _staff_scope(update, context, tr)
    if scope is None:
        return
    async with context.session() as session:
        result = await unbind_group(session=session, chat_id=chat.id, scope=scope, now=context.clock.now())
    if result.outcome is GroupOutcome.UNBOUND:
        text = _("This group is no longer bound to {name}. I will post nothing here until it is bound again.")
    elif result.outcome is GroupOutcome.NOT_BOUND:
        text = how_to_bind(tr, context.bot.username)
    else:
        text = _("Only a school leader or middle cadre of {name} (for the district group: the district "
                 "office) can unbind this group.")
    await message.reply_text(text.format(name=binding_name(tr, binding)))


# --- the bot added or removed, a group upgraded to a supergroup -----------------------------------

_IN = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED)


async def my_membership_changed(update: Update, context: BotContext) -> None:
    change, chat = update.my_chat_member, update.effective_chat
    if change is None or chat is None or chat.type not in (chat.GROUP, chat.SUPERGROUP):
        return
    was_in = change.old_chat_member.status in _IN
    is_in = change.new_chat_member.status in _IN
    if is_in and not was_in:
        binding = await chat_binding(update, context)
        tr = await group_tr(update, context, binding)
        if binding is None:
            await chat.send_message(how_to_bind(tr, context.bot.username))
    elif was_in and not is_in:
        async with context.session() as session:
            if await bot_removed(session=session, chat_id=chat.id, now=context.clock.now()):
                log.info("removed from a bound group; its binding ended")


async def group_migrated(update: Update, context: BotContext) -> None:
    """Telegram announces an upgrade in both chats: the old one (``migrate_to_chat_id``) and the new
    one (``migrate_from_chat_id``). Either moves the binding; the second finds nothing left to move."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    async with context.session() as session:
        await migrate_group(session=session, old_chat_id=old, new_chat_id=new, now=context.clock.now())


# --- /lang in a group ------------------------------------------------------------------------------


async def group_lang_command(update: Update, context: BotContext) -> None:
    """``/lang`` in a group: those who may bind it choose the group's language; others are pointed to
    ``/lang`` in a private chat, which sets their own."""
    message = update.effective_message
    if message is None:
        return
    binding = await chat_binding(update, context)
    tr = await group_tr(update, context, binding)
    if binding is None:
        await message.reply_text(how_to_bind(tr, context.bot.username))
        return
    scope = await context.scope(update)
    if scope is None or not scope.may_bind_group_of(binding.school_id):
        await message.reply_text(tr.gettext(
            "To change your own language, send /lang to me in a private chat. This group's language is "
            "chosen by those who may bind it."
        ))
        return
    keyboard = inline([[button(LANGUAGE_NAMES[loc], group_lang_data(loc.value)) for loc in Locale]])
    await message.reply_text(tr.gettext("Choose the language I use in this group:"), reply_markup=keyboard)


async def group_lang_chosen(update: Update, context: BotContext) -> None:
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    tap = await read_tap(update, context)
    if not isinstance(tap, GroupLangTap):
        return
    locale = parse_locale(tap.locale)
    binding = await chat_binding(update, context)
    scope = await context.scope(update)
    tr = await group_tr(update, context, binding)
    if locale is None or binding is None:
        await edges.answer(query)
        return
    if scope is None or not scope.may_bind_group_of(binding.school_id):
        await edges.answer(
            query, tr.gettext("Only those who may bind this group can choose its language."), show_alert=True
        )
        return
    async with context.session() as session:
        await set_group_locale(session=session, chat_id=chat.id, scope=scope, locale=locale,
                               now=context.clock.now())
    await edges.answer(query)
    text = translator(locale).gettext("This group's language: {language}.").format(
        language=LANGUAGE_NAMES[locale]
    )
    await edges.edit_text(query, text, None)  # a second tap on the same keyboard changes nothing


def handlers() -> list[
    CommandHandler[BotContext, None] | CallbackQueryHandler[BotContext, None]
    | MessageHandler[BotContext, None] | ChatMemberHandler[BotContext, None]
]:
    """Group-only handlers; registered before the private ones (``/lang``, ``/help``)."""
    return [
        CommandHandler("bind", bind_command, filters=GROUPS),
        CommandHandler("unbind", unbind_command, filters=GROUPS),
        CommandHandler("lang", group_lang_command, filters=GROUPS),
        CallbackQueryHandler(group_lang_chosen, pattern=GROUP_LANG.pattern),
        ChatMemberHandler(my_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, group_migrated),
    ]
