"""Commands and messages: thin handlers over :class:`~qabot.telegram.core.BotCore`.

A question — private text, ``/ask``, a mention, a photo caption, a reply to an answer, an
edited question — goes through :meth:`Handlers.question`: deduplicate, validate (the
engine's own :func:`~qabot.engine.validate_question`), rate-limit, wait for the user's turn,
retrieve on the worker pool, store, reply (or edit the previous reply).
"""

from __future__ import annotations

import asyncio
import re
import time
from contextlib import suppress
from functools import partial

from telegram import ChatMember, Message, MessageEntity, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from qabot.errors import IndexStateError, UsageError
from qabot.telegram.backlog import Backlog, Notice
from qabot.telegram.buttons import keyboard
from qabot.telegram.core import BotCore, log
from qabot.telegram.followup import elliptical, recent, rewrite, wants_more
from qabot.telegram.generated import mark_writing, stream_generated
from qabot.telegram.html import esc, render_help, render_sources, render_start
from qabot.telegram.records import Record, answer_record
from qabot.telegram.scheduler import SLOW_CHARS
from qabot.telegram.texts import KINDS, TEXTS, kind_name, language, names, say
from qabot.telegram.updates import chat_of, member_change_of, message_of
from qabot.types import Answer
from qabot.validation import MAX_QUESTION_CHARS, validate_question

TYPING_AFTER = 1.0  # seconds before "typing…" is shown
TYPING_EVERY = 4.5  # Telegram shows "typing…" for 5 s


def late_note(received: float | None, lang: str) -> str:
    """A line saying the answer is late (a restart interrupted it), or nothing."""
    if received is None:
        return ""
    minutes = max(1, round((time.time() - received) / 60))
    return f"<i>{say(lang, 'late', minutes=minutes)}</i>\n"


class Handlers:
    """Every command and message handler; registered by :func:`qabot.telegram.app.build`."""

    def __init__(self, core: BotCore) -> None:
        self.core = core
        self.backlog = Backlog(core)
        self._handling: set[tuple[int, int, int]] = set()  # (chat, message, edit) in progress

    # ------------------------------------------------------------------ commands

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """What the bot knows: districts, documents, and three example questions."""
        lang = language(update.effective_user)
        text = render_start(self.core.docs, self.core.examples, context.bot.username, lang)
        await self.core.reply(message_of(update), text)

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        lang = language(update.effective_user)
        core = self.core
        text = render_help(
            core.known, core.example, core.config.rate_limit, context.bot.username, lang
        )
        await self.core.reply(message_of(update), text)

    async def ask_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/ask 问题 — the way to ask in a group besides a mention."""
        parts = (message_of(update).text or "").split(maxsplit=1)
        await self.question(update, context, parts[1] if len(parts) > 1 else "")

    async def district(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/district NAME|all — a per-chat filter, stored at once; group admins only."""
        message, chat = message_of(update), chat_of(update)
        lang = language(update.effective_user)
        choices = say(lang, "district_choices", names=esc(names(lang, self.core.known)))
        value = " ".join(context.args or [])
        if not value:
            current = self.core.state.district(chat.id) or say(lang, "every_district")
            text = say(lang, "district_now", current=esc(current), choices=choices)
            await self.core.reply(message, text)
            return
        if not await self._may_configure(update, context):
            await self.core.reply(message, say(lang, "admins_only_district"))
            return
        try:
            name = self.core.engine.resolve_district(value)  # all, 全部, 不限…: None
        except UsageError:
            text = say(lang, "unknown_district", value=esc(value), choices=choices)
            await self.core.reply(message, text)
            return
        self.core.state.set_district(chat.id, name)
        if name is None:
            await self.core.reply(message, say(lang, "district_all"))
        else:
            await self.core.reply(message, say(lang, "district_set", name=esc(name)))

    async def _may_configure(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """In a group, only its administrators (or the group posting anonymously) may."""
        chat, message = chat_of(update), message_of(update)
        if chat.type == ChatType.PRIVATE or (
            message.sender_chat and message.sender_chat.id == chat.id
        ):
            return True
        user = update.effective_user
        if user is None:
            return False
        member = await context.bot.get_chat_member(chat.id, user.id)
        return member.status in (ChatMember.OWNER, ChatMember.ADMINISTRATOR)

    async def sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/sources — the whole passages of the page the newest answer shows."""
        message = message_of(update)
        thread = message.message_thread_id if message.is_topic_message else None
        record = self.core.state.newest(message.chat_id, thread)
        if record is None:
            await self.core.reply(message, say(language(update.effective_user), "no_sources"))
            return
        await self._whole_paragraphs(context, message, record)

    async def _whole_paragraphs(
        self, context: ContextTypes.DEFAULT_TYPE, message: Message, record: Record
    ) -> None:
        """The whole paragraphs of the page ``record`` shows, quoting that answer (/sources,
        and 「再说详细点」 after an answer)."""
        text = render_sources(
            record, record["page"], self.core.config.page_size, self.core.paragraph
        )
        await self.core.send(
            context,
            message.chat_id,
            text,
            thread_id=message.message_thread_id if message.is_topic_message else None,
            reply_to=record["message_id"] or message.message_id,
        )

    async def forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/forget — delete this chat's stored answers and settings."""
        lang = language(update.effective_user)
        if not await self._may_configure(update, context):
            await self.core.reply(message_of(update), say(lang, "admins_only_forget"))
            return
        count = self.core.state.forget(chat_of(update).id)
        await self.core.reply(message_of(update), say(lang, "forgotten", count=count))

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        lang = language(update.effective_user)
        await self.core.reply(message_of(update), say(lang, "unknown_command"))

    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, voice…: say what we can read instead of staying silent."""
        message, lang = message_of(update), language(update.effective_user)
        kind = next((attr for attr in KINDS if getattr(message, attr, None)), None)
        await self.core.reply(
            message,
            say(lang, "not_text", kind=kind_name(lang, kind), example=esc(self.core.example)),
        )

    async def greet(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Added to a group: say hello with usage (``my_chat_member``)."""
        change = member_change_of(update)
        joined = change.new_chat_member.status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR)
        left = change.old_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED)
        if change.chat.type == ChatType.PRIVATE or not (joined and left):
            return
        text = render_start(
            self.core.docs, self.core.examples, context.bot.username, language(change.from_user)
        )
        await context.bot.send_message(change.chat.id, text)

    # ------------------------------------------------------------------ questions

    async def private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.question(update, context, message_of(update).text or "")

    async def caption(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo (or file) whose caption is a question: answer the caption."""
        await self.question(update, context, message_of(update).caption or "")

    async def group_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """In a group: a mention of this bot, or a reply to one of its answers."""
        message = message_of(update)
        mention = f"@{context.bot.username}".lower()
        found = message.parse_entities([MessageEntity.MENTION]).values()
        if any(text.lower() == mention for text in found):
            question = re.sub(re.escape(mention), " ", message.text or "", flags=re.IGNORECASE)
            if question.strip():
                await self.question(update, context, question)
            else:  # a bare @mention: how to ask, not "write the question after the command"
                lang, example = language(update.effective_user), esc(self.core.example)
                await self.core.reply(message, say(lang, "chitchat", example=example))
        elif self._replied_answer(message):
            await self.question(update, context, message.text or "")

    def _replied_answer(self, message: Message) -> Record | None:
        replied = message.reply_to_message
        if replied is None or not replied.from_user or not replied.from_user.is_bot:
            return None
        record = self.core.state.answer_to(message.chat_id, replied.message_id)
        if record is None:  # a reply quicker than storing the answer's message id
            newest = self.core.state.newest(message.chat_id)
            record = newest if newest and newest["message_id"] is None else None
        return record

    async def question(self, update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
        """Answer one question message (see the module docstring for the steps)."""
        core, message, chat = self.core, message_of(update), chat_of(update)
        edit_date = int(message.edit_date.timestamp()) if message.edit_date else 0
        version = (chat.id, message.message_id, edit_date)
        if version in self._handling or core.state.handled(*version) is not None:
            log.info("update %s already answered: skipped", update.update_id)
            return
        self._handling.add(version)  # in memory: after a crash the message is answered again
        try:
            await self._question(update, context, text, edit_date)
        finally:
            self._handling.discard(version)

    async def _question(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, edit_date: int
    ) -> None:
        core, message, chat = self.core, message_of(update), chat_of(update)
        lang = language(update.effective_user, text)
        problem = self._problem(text, lang)
        if problem:
            await core.reply(message, problem)
            core.state.mark_handled(chat.id, message.message_id, edit_date)
            return
        question, district = text.strip(), None
        thread = message.message_thread_id if message.is_topic_message else None
        previous = self._replied_answer(message) or (
            recent(core.state.newest(chat.id, thread)) if elliptical(question) else None
        )
        if previous and wants_more(question):
            await self._whole_paragraphs(context, message, previous)
            core.state.mark_handled(chat.id, message.message_id, edit_date)
            return
        if previous:
            question, district = rewrite(question, previous, core.engine.gazetteer)
        note = late_note(core.inbox.late.get(update.update_id), lang)
        if question != text.strip():
            note += f"<i>{say(lang, 'read_as', question=esc(question))}</i>\n"
        user = update.effective_user
        who = (chat.id, user.id if user else chat.id)
        wait = core.rate.check(who[1])
        if wait:
            await self.backlog.refuse(message, who, wait, lang)
            core.state.mark_handled(chat.id, message.message_id, edit_date)
            return
        with self.backlog.holding(who, message.message_id):
            await self._answer(context, message, question, district, lang, note, edit_date, who)

    async def _answer(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        message: Message,
        question: str,
        district: str | None,
        lang: str,
        note: str,
        edit_date: int,
        who: tuple[int, int],
    ) -> None:
        """Wait for the user's turn, retrieve on the pool, reply (after the queue notice)."""
        core = self.core
        notice = Notice(self.backlog, message, who, lang)
        try:
            async with core.scheduler.turn(who):
                typing = asyncio.create_task(self._typing(message))
                try:
                    district = core.state.district(message.chat_id) or district
                    slow = len(question) > SLOW_CHARS
                    answer = await core.scheduler.run(
                        partial(
                            core.engine_for(slow).ask, question, k=core.config.k, district=district
                        ),
                        slow=slow,
                        on_start=notice.cancel,
                    )
                finally:
                    typing.cancel()
                await notice.delivered()
                if answer.answer_type == "chitchat":  # hello, thanks: no passages to vote on
                    example = esc(core.example)
                    await core.reply(message, say(lang, "chitchat", example=example))
                    core.state.mark_handled(message.chat_id, message.message_id, edit_date)
                else:
                    await self._reply_answer(context, message, answer, edit_date, note, lang)
        except UsageError as exc:  # e.g. a district the index lost since it was chosen
            await core.reply(message, say(lang, "cannot_answer", reason=esc(exc)))
        except TimeoutError:  # the scheduler's time budget: the worker may still be busy
            await core.reply(message, say(lang, "timed_out"))
        except IndexStateError as exc:  # the index failed while answering (Milvus): no traceback
            log.warning("question in chat %s not answered: %s", message.chat_id, exc)
            await core.reply(message, say(lang, "index_unavailable"))
        finally:
            notice.cancel()

    def _problem(self, text: str, lang: str) -> str | None:
        """A friendly reply for a question the engine would refuse (or cannot read), else None.
        An English question is asked like any other: the engine answers it in English."""
        example = esc(self.core.example)
        try:
            validate_question(text)
        except UsageError as exc:
            key = exc.reason if exc.reason in TEXTS else "no_words"
            return say(
                lang, key, example=example, length=len(text.strip()), limit=MAX_QUESTION_CHARS
            )
        return None

    async def _reply_answer(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        message: Message,
        answer: Answer,
        edit_date: int,
        note: str = "",
        lang: str = "zh",
    ) -> None:
        """Store the answer and send it — or, for an edited question, edit the old reply (the
        same record, so a follow-up or /forget never finds the superseded one). ``note``: HTML
        put above a new answer (late after a restart; the question a follow-up was read as)."""
        core = self.core
        thread = message.message_thread_id if message.is_topic_message else None
        record = answer_record(answer, chat_id=message.chat_id, thread_id=thread, lang=lang)
        earlier = core.state.answer_for_question(message.chat_id, message.message_id)
        log.info(
            "answered in chat %s: %d characters, no_answer=%s, %.0f ms",
            message.chat_id,
            len(record["question"]),
            record["no_answer"],
            answer.latency_ms,
        )
        if core.generator is not None and not answer.no_answer:
            mark_writing(record, core.generator)  # the message says the model is writing
        if edit_date and earlier and earlier["message_id"]:
            record["message_id"], record["key"] = earlier["message_id"], earlier["key"]
            core.state.save(record, newest=True)
            await core.show(context, record)
        else:
            core.state.save(record, newest=True)  # before sending: its buttons work at once
            sent = await core.send(
                context,
                message.chat_id,
                note + core.page_text(record, 0),
                thread_id=thread,
                reply_to=message.message_id,
                markup=keyboard(record, core.config.page_size),
            )
            record["message_id"] = sent.message_id
            core.state.attach(record)
        core.state.mark_handled(message.chat_id, message.message_id, edit_date, record["key"])
        if record.get("generating"):
            await stream_generated(core, context, record, answer)

    async def _typing(self, message: Message) -> None:
        """Show "typing…" once an answer takes a moment, and keep it visible while the engine
        works (never waited for, never retried). Quick answers need none: under load that
        spares one request per question."""
        await asyncio.sleep(TYPING_AFTER)
        while True:
            with suppress(TelegramError):
                await message.chat.send_action(
                    ChatAction.TYPING,
                    message_thread_id=message.message_thread_id
                    if message.is_topic_message
                    else None,
                )
            await asyncio.sleep(TYPING_EVERY)
