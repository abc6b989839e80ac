"""Button presses, inline queries, the allow-list gate and the error handler.

A press is parsed strictly (:func:`~qabot.telegram.buttons.parse`) and looked up by its
random key *in the chat it came from*; an unknown, expired or forged one gets the "expired"
alert, never a traceback. Paging edits the answer's message in place; a double tap edits it
to what it already shows, which Telegram refuses harmlessly.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress

from telegram import (
    InlineQueryResultArticle,
    InputTextMessageContent,
    MaybeInaccessibleMessage,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from qabot.errors import UsageError
from qabot.feedback import REASONS, Vote
from qabot.telegram.buttons import keyboard, parse
from qabot.telegram.core import BotCore, log
from qabot.telegram.html import render_page, render_paragraph, split_html
from qabot.telegram.records import Record, answer_record, feedback_answer, pages
from qabot.telegram.texts import language, reason_label, say
from qabot.telegram.updates import callback_of, inline_of
from qabot.validation import validate_question

INLINE_RESULTS = 3  # passages searched for an inline card (a chat answer searches 9)
INLINE_DEBOUNCE = 0.6  # seconds of no typing before an inline query is searched
INLINE_SLOTS = 1  # inline searches running at once: typists never take the questions' pool


class Callbacks:
    """Buttons, inline mode, access control and errors."""

    def __init__(self, core: BotCore) -> None:
        self.core = core
        self._typed: dict[int, str] = {}  # user → their newest inline query id
        self._inline_budget = asyncio.Semaphore(INLINE_SLOTS)

    async def press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Any button under an answer: page, whole paragraph, 👍/👎, 👎 reason."""
        query = callback_of(update)
        press = parse(query.data)
        chat = query.message.chat.id if query.message else None
        record = self.core.state.answer(press.key, chat) if press and chat is not None else None
        if press is None or chat is None or record is None:
            await query.answer(say(language(query.from_user), "expired"), show_alert=True)
            return
        lang = record.get("lang", "zh")
        if record["message_id"] is None and query.message:  # killed before it was stored
            record["message_id"] = query.message.message_id
        size = self.core.config.page_size
        # Each branch stores its change before its first await and shows the record as stored
        # after it: a press handled meanwhile (a 👍 during a page turn) is neither written
        # over nor shown undone.
        if press.action == "pg" and press.number is not None and press.number < pages(record, size):
            record["page"] = press.number
            self.core.state.save(record, newest=True)
            await query.answer()
            await self.core.show(context, self._stored(record))
        elif press.action == "par" and press.number and press.number <= len(record["passages"]):
            await query.answer()
            passage = record["passages"][press.number - 1]
            await self.core.send(
                context,
                chat,
                render_paragraph(passage["citation"], self.core.paragraph(passage)),
                thread_id=record["thread_id"],
                reply_to=record["message_id"],
            )
        elif press.action == "fb" and press.arg in ("up", "down") and record["vote"] is None:
            vote: Vote = "up" if press.arg == "up" else "down"
            record["vote"] = vote
            record["feedback_id"] = self.core.feedback.record(
                channel="telegram",
                question=record["question"],
                answer=feedback_answer(record, self.core.config.page_size),
                vote=vote,
            )
            self.core.state.save(record)
            await query.answer(say(lang, "thanks_up" if press.arg == "up" else "thanks_down"))
            await self._buttons(query.message, record)
        elif press.action == "why" and press.arg in REASONS and record["feedback_id"]:
            if record["reason"] is not None:  # an old reason button: the first choice stands
                await query.answer()
                return
            self.core.feedback.set_reason(record["feedback_id"], press.arg)
            record["reason"] = press.arg
            self.core.state.save(record)
            await query.answer(say(lang, "reason_noted", reason=reason_label(lang, press.arg)))
            await self._buttons(query.message, record)
        else:  # a double tap on a vote, or a page that does not exist
            await query.answer()

    async def _buttons(self, message: MaybeInaccessibleMessage | None, record: Record) -> None:
        if isinstance(message, Message):  # not one Telegram no longer lets us edit
            with suppress(BadRequest):
                markup = keyboard(self._stored(record), self.core.config.page_size)
                await message.edit_reply_markup(markup)

    def _stored(self, record: Record) -> Record:
        """``record`` as stored now (unless /forget deleted it meanwhile)."""
        return self.core.state.answer(record["key"], record["chat_id"]) or record

    async def inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``@bot 问题`` in any chat: the answer as a card to send (inline mode).

        Telegram sends a query per keystroke; searching each one let one typist push other
        users' answers from 0.2 s to 7.7 s. So: wait for a pause in that user's typing, drop
        superseded queries, search 3 passages instead of 9, one inline search at a time."""
        query = inline_of(update)
        try:
            question = validate_question(query.query)
        except UsageError:
            await query.answer([], cache_time=5)
            return
        core, user = self.core, query.from_user.id
        self._typed[user] = query.id
        await asyncio.sleep(INLINE_DEBOUNCE)  # a query per keystroke: wait for a pause
        async with self._inline_budget:
            if self._typed.get(user) != query.id:
                return  # superseded by the next keystroke: Telegram drops this one anyway
            try:
                answer = await core.scheduler.run(
                    lambda: core.engine.ask(question, k=INLINE_RESULTS)
                )
            except TimeoutError:  # past the time budget: no card rather than a stuck query
                await query.answer([], cache_time=5)
                return
            finally:
                if self._typed.get(user) == query.id:
                    del self._typed[user]
        lang = language(query.from_user, question)
        record = answer_record(answer, lang=lang)
        text = render_page(record, 0, core.config.page_size, core.known, core.docs, inline=True)
        results = [
            InlineQueryResultArticle(
                id=record["key"],
                title=say(lang, "card_none" if record["no_answer"] else "card_answer")
                + question[:40],
                description=(record["answer"] or say(lang, "card_none_detail"))[:100],
                input_message_content=InputTextMessageContent(
                    split_html(text)[0], parse_mode=ParseMode.HTML
                ),
            )
        ]
        await query.answer(results, cache_time=60)

    # ------------------------------------------------------------------ access

    async def gate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Allow-list: others get a polite refusal (if they addressed this bot), nothing more."""
        allow = self.core.config.allow
        if not allow:
            return
        user, chat = update.effective_user, update.effective_chat
        if (user and user.id in allow) or (chat and chat.id in allow):
            return
        log.info(
            "refused update %s: user %s in chat %s is not on the allow-list",
            update.update_id,
            user.id if user else None,
            chat.id if chat else None,
        )
        message = update.effective_message
        text = (message.text or "") if message else ""
        lang = language(user, "" if text.startswith("/") else text)  # a command is no language
        try:
            if update.callback_query:
                alert = say(lang, "invite_only", who="")
                await update.callback_query.answer(alert, show_alert=True)
            elif update.inline_query:
                await update.inline_query.answer([], cache_time=60)
            elif message and self._addressed(message, context):
                private = message.chat.type == ChatType.PRIVATE
                who = say(lang, "your_id", id=user.id) if user and private else ""
                await self.core.reply(message, say(lang, "invite_only", who=who))
        except TelegramError as exc:  # the refusal failed: the update still goes no further
            log.warning("could not refuse update %s: %s", update.update_id, type(exc).__name__)
        raise ApplicationHandlerStop

    @staticmethod
    def _addressed(message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """Private chats, our commands (not ``/start@other_bot``) and mentions of us."""
        if message.chat.type == ChatType.PRIVATE:
            return True
        text = message.text or ""
        username = (context.bot.username or "").lower()
        if text.startswith("/"):
            target = text.split()[0].partition("@")[2].lower()
            return not target or target == username
        return bool(username) and f"@{username}" in text.lower()

    # ------------------------------------------------------------------ errors

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Routine failures (network, a user who blocked the bot) are one WARNING line;
        anything else is logged with its traceback (never the message text or the token) and
        the chat gets an apology, so it is never left hanging."""
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        if isinstance(error, (Forbidden, NetworkError, RetryAfter)) and not isinstance(
            error, BadRequest
        ):
            log.warning("update %s: %s: %s", update_id, type(error).__name__, error)
            if update_id is not None and not isinstance(error, Forbidden):
                self.core.inbox.failed.add(update_id)  # the reply is still owed: retry it
            return
        log.error(
            "error while handling update %s: %s",
            update_id,
            type(error).__name__,
            exc_info=(type(error), error, error.__traceback__) if error else None,
        )
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        chat = update.effective_chat
        if update.callback_query:
            with suppress(TelegramError):
                await update.callback_query.answer()
        message = update.effective_message
        apology = say(language(update.effective_user), "apology")
        try:
            if message is not None:
                await self.core.reply(message, apology)
            else:
                await context.bot.send_message(chat.id, apology)
        except TelegramError as exc:
            log.warning("could not apologise in chat %s: %s", chat.id, type(exc).__name__)
