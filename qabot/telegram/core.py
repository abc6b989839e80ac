"""What every handler shares: the engine, the configuration, the chat state, the scheduler,
the feedback store, and the few ways the bot speaks (send in the right chat and topic, quoting
the question; edit a page in place).
"""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardMarkup, Message, ReplyParameters
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from qabot.embedders import load_embedder
from qabot.engine import Engine
from qabot.errors import UsageError
from qabot.feedback import FeedbackStore
from qabot.generation.generator import Generator
from qabot.live import LiveEngine
from qabot.telegram.buttons import keyboard
from qabot.telegram.config import BotConfig
from qabot.telegram.html import render_page, split_html
from qabot.telegram.pending import Inbox
from qabot.telegram.records import Record
from qabot.telegram.scheduler import QuestionRateLimit, Scheduler
from qabot.telegram.state import ChatState
from qabot.types import DocumentInfo
from qabot.uploads import DocumentAdmin

log = logging.getLogger("qabot.telegram")


def slow_lane_engine(engine: Engine) -> Engine | None:
    """The same index with a second embedder instance, for long questions.

    The engine serialises its embedder, so a 499-character question (several embeddings
    of a long text) held up every short question behind it: measured on 2 cores, ten short
    questions took up to 2 s each during two long ones on one embedder, 0.02–0.13 s with
    a second embedder. It costs one more copy of the model (+95 MiB for e5-small).
    """
    try:
        return Engine(engine.store, load_embedder(engine.embedder.id))
    except Exception as exc:  # an embedder that cannot be loaded twice: share the one
        log.warning("long questions share the embedder (%s)", type(exc).__name__)
        return None


@dataclass
class BotCore:
    """The services behind the handlers, created once by :func:`~qabot.telegram.app.build`."""

    engine: Engine
    config: BotConfig
    state: ChatState
    feedback: FeedbackStore
    scheduler: Scheduler
    rate: QuestionRateLimit
    inbox: Inbox
    slow_engine: Engine | None = None
    known: list[str] = field(default_factory=list)
    docs: list[DocumentInfo] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)  # about the index's districts
    live: LiveEngine | None = None
    admin: DocumentAdmin | None = None  # adds/removes documents (administrators only)
    generator: Generator | None = None  # the optional model (issue 20): telegram/generated.py

    @classmethod
    def create(
        cls,
        engine: Engine,
        config: BotConfig,
        live: LiveEngine | None = None,
        admin: DocumentAdmin | None = None,
        generator: Generator | None = None,
    ) -> BotCore:
        state = ChatState(config.state_path, config.retention_days)
        return cls(
            live=live,
            admin=admin,
            generator=generator,
            engine=engine,
            slow_engine=slow_lane_engine(engine),
            config=config,
            state=state,
            inbox=Inbox(state, config.pending_max_age),
            feedback=FeedbackStore(config.feedback_path),
            scheduler=Scheduler(config.workers, config.answer_timeout),
            rate=QuestionRateLimit(config.rate_limit),
            known=list(engine.districts),
            docs=engine.documents(),
            examples=engine.examples(),
        )

    def refresh(self) -> None:
        """Switch to a newer index generation (:mod:`qabot.live`) before the next update is
        handled; a question already being answered keeps the engine it started with."""
        engine = self.live.current() if self.live is not None else self.engine
        if engine is self.engine:
            return
        self.engine, self.known, self.docs = engine, list(engine.districts), engine.documents()
        self.examples = engine.examples()
        if self.slow_engine is not None:
            self.slow_engine = Engine(engine.store, self.slow_engine.embedder.inner)

    @property
    def example(self) -> str:
        """The example question replies show (empty for an index without districts)."""
        return self.examples[0] if self.examples else ""

    def engine_for(self, slow: bool) -> Engine:
        """Long questions use their own embedder, so short ones never wait behind them."""
        return self.slow_engine if slow and self.slow_engine is not None else self.engine

    def close(self) -> None:
        self.scheduler.shutdown()
        self.state.close()
        if self.generator is not None:
            self.generator.close()

    def paragraph(self, passage: dict[str, Any]) -> str:
        """The whole source paragraph of a stored passage (the passage itself if the index
        was rebuilt since and no longer has it)."""
        try:
            return self.engine.paragraph(passage["chunk_id"])[1]
        except UsageError:
            return str(passage["text"])

    def page_text(self, record: Record, page: int) -> str:
        """The HTML of one page of an answer (with the chat's district filter, if any)."""
        district = self.state.district(record["chat_id"])
        return render_page(
            record, page, self.config.page_size, self.known, self.docs, district_filter=district
        )

    async def send(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        text: str,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
        markup: InlineKeyboardMarkup | None = None,
    ) -> Message:
        """Send HTML split under the size limit, in the topic ``thread_id``, the first part
        quoting ``reply_to``, the buttons on the last part; returns the last message."""
        parts = split_html(text)
        sent: Message | None = None
        for number, part in enumerate(parts, start=1):
            sent = await context.bot.send_message(
                chat_id,
                part,
                message_thread_id=thread_id,
                reply_markup=markup if number == len(parts) else None,
                reply_parameters=(
                    ReplyParameters(reply_to, allow_sending_without_reply=True)
                    if reply_to and number == 1
                    else None
                ),
            )
        assert sent is not None
        return sent

    async def show(self, context: ContextTypes.DEFAULT_TYPE, record: Record) -> None:
        """Edit the answer's message to show ``record['page']`` and its buttons."""
        text = split_html(self.page_text(record, record["page"]))[0]
        with suppress(BadRequest):  # "message is not modified": a double tap, nothing to do
            await context.bot.edit_message_text(
                text,
                chat_id=record["chat_id"],
                message_id=record["message_id"],
                reply_markup=keyboard(record, self.config.page_size),
            )

    async def reply(self, message: Message, text: str) -> Message:
        """A short reply in the message's chat and topic, quoting it (sent all the same when
        the question was deleted meanwhile)."""
        quote = ReplyParameters(message.message_id, allow_sending_without_reply=True)
        return await message.reply_text(text, reply_parameters=quote)
