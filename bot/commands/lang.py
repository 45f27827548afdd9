"""``/lang``: choose the language; remembered for this Telegram user."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import edges
from bot.callback_data import LANG, LangTap, lang_data
from bot.context import BotContext, read_tap
from bot.i18n import parse_locale, translator
from bot.keyboards import button, inline
from bot.menus import set_person_menu
from bot.text import expired_text
from store.accounts import set_locale
from store.vocab import Locale

_NAMES = {Locale.ZH_HANT: "繁體中文", Locale.ZH_HANS: "简体中文", Locale.EN: "English"}


async def lang_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    tr = await context.tr(update)
    keyboard = inline([[button(_NAMES[loc], lang_data(loc.value)) for loc in Locale]])
    await message.reply_text(tr.gettext("Choose your language:"), reply_markup=keyboard)


async def lang_chosen(update: Update, context: BotContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tap = await read_tap(update, context)
    if tap is None:
        return
    locale = parse_locale(tap.locale) if isinstance(tap, LangTap) else None
    if locale is None:
        await edges.answer(query, expired_text(await context.tr(update)))
        return
    async with context.session() as session:
        await set_locale(session=session, telegram_user_id=user.id, locale=locale)
    context.forget_account(update)
    tr = translator(locale)
    await edges.answer(query)
    text = tr.gettext("Language set: {language}.").format(language=_NAMES[locale])
    await edges.edit_text(query, text, None)
    account = await context.account(update)
    if account is not None and update.effective_chat is not None:
        await set_person_menu(context.bot, update.effective_chat.id, locale, account.roles)


def handlers() -> list[CommandHandler[BotContext, None] | CallbackQueryHandler[BotContext, None]]:
    return [
        CommandHandler("lang", lang_command, filters=filters.UpdateType.MESSAGE),  # never edited ones
        CallbackQueryHandler(lang_chosen, pattern=LANG.pattern),
    ]
