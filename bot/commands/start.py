"""Registration: ``/start <code>`` from an invite link, or a shared phone number; the welcome."""

from __future__ import annotations

from collections.abc import Iterable

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.context import BotContext, stranger_text
from bot.group_chats import chat_binding, group_tr, how_to_bind
from bot.i18n import N_, Translator
from bot.keyboards import share_phone
from bot.menus import group_help_lines, person_commands, set_person_menu
from bot.text import esc, role_labels
from bot.text import not_registered_text as not_registered_text  # roster_upload reads it here
from store.accounts import AccountInfo, BindOutcome, BindResult, bind_by_contact, bind_by_invite
from store.vocab import TEACHER_ROLES, Locale, Role

MAX_PAYLOAD = 64

_REFUSALS = {
    BindOutcome.CODE_UNKNOWN: N_(
        "This invite link is not valid. Please check it, or ask your school office for a new one."
    ),
    BindOutcome.CODE_USED: N_(
        "This invite link has already been used. Ask your school office for a new one."
    ),
    BindOutcome.CODE_REVOKED: N_(
        "This invite link has been replaced by a newer one. Ask your school office for the new link."
    ),
    BindOutcome.STAFF_INACTIVE: N_(
        "Your name is no longer on the district's roster, so I cannot register you. "
        "Please contact your school office."
    ),
    BindOutcome.TELEGRAM_USER_ALREADY_BOUND_TO_OTHER_STAFF: N_(
        "Your Telegram account is already registered for another person on the roster. "
        "Please contact your school office."
    ),
    BindOutcome.STAFF_ALREADY_BOUND_TO_OTHER_USER: N_(
        "This person is already registered with another Telegram account. "
        "Please contact your school office."
    ),
    BindOutcome.SPOOFED_CONTACT: N_(
        "Please share your own phone number with the button below, not someone else's contact."
    ),
    BindOutcome.PHONE_UNKNOWN: N_(
        "I could not find this phone number on the district's roster. Please use the invite link "
        "from your school office instead."
    ),
    BindOutcome.PHONE_AMBIGUOUS: N_(
        "This phone number belongs to more than one person on the roster. Please use the invite "
        "link from your school office instead."
    ),
}


def capabilities(tr: Translator, role_list: Iterable[Role]) -> list[str]:
    """One line per thing this person can do, in their language: the commands of their menu
    (``bot.menus``), and for the district office the roster upload."""
    _ = tr.gettext
    roles = frozenset(role_list)
    lines = [_(command.help) for command in person_commands(roles)]
    if Role.DISTRICT_OFFICE in roles:
        lines.append(_("Send me the roster (one XLSX, one ZIP, or staff.csv then students.csv) to import it"))
    lines.append(_("/lang — change the language"))
    lines.append(_("/help — show this again"))
    return lines


def group_help_text(tr: Translator, *, bound: bool) -> str:
    """``/help`` in a group: what the bot posts there, and the group's commands."""
    lines = [tr.gettext("I post the campaign's aggregate progress here, never anyone's name, and a summary "
                        "every week:"), *group_help_lines(tr, bound=bound),
             tr.gettext("For your own work, talk to me privately.")]
    return "\n".join(lines)


async def group_help(update: Update, context: BotContext) -> None:
    """``/help`` in a group: the group's commands, and how to bind it if nobody has."""
    message = update.effective_message
    if message is None:
        return
    binding = await chat_binding(update, context)
    tr = await group_tr(update, context, binding)
    text = group_help_text(tr, bound=binding is not None)
    if binding is None:
        text += "\n" + how_to_bind(tr, context.bot.username)
    await message.reply_text(text)


def welcome_text(tr: Translator, account: AccountInfo) -> str:
    _ = tr.gettext
    head = _("Welcome, {name} ({roles}).").format(
        name=esc(account.name), roles=esc(role_labels(tr, account.roles))
    )
    return head + "\n\n" + _("What you can do here:") + "\n" + "\n".join(capabilities(tr, account.roles))


async def _after_binding(update: Update, context: BotContext, result: BindResult) -> None:
    context.forget_account(update)
    tr = await context.tr(update)
    account = await context.account(update)
    chat = update.effective_chat
    if account is None or chat is None:
        return
    await chat.send_message(welcome_text(tr, account), reply_markup=ReplyKeyboardRemove())
    await set_person_menu(context.bot, chat.id, Locale(tr.locale), account.roles)


async def start(update: Update, context: BotContext) -> None:
    """``/start [code]`` in a private chat."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    tr = await context.tr(update)
    _ = tr.gettext
    account = await context.account(update)
    code = context.args[0] if context.args else None
    if account is not None and code is None:
        await message.reply_text(welcome_text(tr, account))
        return
    if code is None and await context.left_roster(update):
        await message.reply_text(_(_REFUSALS[BindOutcome.STAFF_INACTIVE]))
        return
    if code is None:
        if tr.locale is Locale.ZH_HANS and update.effective_chat is not None:
            # The default menus cannot tell Simplified from Traditional Chinese ("zh"): set this chat's.
            await set_person_menu(context.bot, update.effective_chat.id, Locale.ZH_HANS, None)
        await message.reply_text(
            _(
                "Hello! This is the 「兩訪兩創」 visits bot of the district. To register, open the "
                "invite link from your school office, or share your phone number with the button "
                "below so I can find you on the roster."
            ),
            reply_markup=share_phone(_("📱 Share my phone number")),
        )
        return
    if len(code) > MAX_PAYLOAD:
        await message.reply_text(_(_REFUSALS[BindOutcome.CODE_UNKNOWN]))
        return
    async with context.session() as session:
        result = await bind_by_invite(
            session=session, code=code, telegram_user_id=user.id, now=context.clock.now()
        )
    if result.ok:
        await _after_binding(update, context, result)
    else:
        await message.reply_text(_(_REFUSALS[result.outcome]))


async def contact_shared(update: Update, context: BotContext) -> None:
    """A shared contact binds only if it is the sender's own and the number is on the roster."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.contact is None:
        return
    tr = await context.tr(update)
    contact = message.contact
    async with context.session() as session:
        result = await bind_by_contact(
            session=session,
            contact_user_id=contact.user_id,
            sender_user_id=user.id,
            phone=contact.phone_number,
            now=context.clock.now(),
        )
    if result.ok:
        await _after_binding(update, context, result)
    else:
        keyboard = share_phone(tr.gettext("📱 Share my phone number"))
        await message.reply_text(tr.gettext(_REFUSALS[result.outcome]), reply_markup=keyboard)


async def help_command(update: Update, context: BotContext) -> None:
    """``/help``: what this person can do; leaders also see the campaign's dates."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    tr = await context.tr(update)
    _ = tr.gettext
    if chat.type != chat.PRIVATE:
        await message.reply_text(
            _("I post the campaign's aggregate progress here. For your own work, talk to me privately.")
        )
        return
    account = await context.account(update)
    if account is None:
        await message.reply_text(await stranger_text(update, context))
        return
    text = welcome_text(tr, account)
    if set(account.roles) - TEACHER_ROLES:
        config = context.services.campaign.config
        text += "\n\n" + _("Campaign 「{name}」: {start} to {end}.").format(
            name=esc(config.name), start=config.start.isoformat(), end=config.end.isoformat()
        )
        if context.services.campaign.source == "defaults":
            text += " " + _(
                "These are the default dates, counted from the month this database was created; "
                "the district office can set its own in campaign.toml."
            )
    await message.reply_text(text)


def handlers() -> list[CommandHandler[BotContext, None] | MessageHandler[BotContext, None]]:
    # Edited messages are never taken as commands (an edited "/start CODE" included): one rule.
    new = filters.UpdateType.MESSAGE
    private = filters.ChatType.PRIVATE & new
    return [
        CommandHandler("start", start, filters=private),
        MessageHandler(private & filters.CONTACT, contact_shared),
        CommandHandler("help", help_command, filters=new),
    ]


def group_help_handlers() -> list[CommandHandler[BotContext, None]]:
    """``/help`` in groups; registered before ``bot.commands.groups``' own (which it replaces)."""
    return [CommandHandler("help", group_help, filters=filters.ChatType.GROUPS & filters.UpdateType.MESSAGE)]


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    """``/cancel`` (it is in the menu) when no visit is being logged."""
    message = update.effective_message
    if message is not None:
        tr = await context.tr(update)
        await message.reply_text(tr.gettext("There is nothing to cancel: no visit is being logged."))


def cancel_handlers() -> list[CommandHandler[BotContext, None]]:
    """Registered after the visit conversation, which takes ``/cancel`` while a visit is logged."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [CommandHandler("cancel", nothing_to_cancel, filters=private)]
