"""A user's backlog: the 「排队中…」 notice and the one refusal per burst over the rate limit.

* **The notice** goes out once per backlog, for a question still waiting for its turn after
  ``queue_notice`` seconds, and gives the number of that user's questions ahead of it. Once
  it is being sent it is never cancelled: under flood control the transport waits out the
  429 and sends it then, and the question's answer waits for it, so it arrives first. (It
  used to be cancelled when its question started, which dropped it whenever a 429 held it
  up — and the once-per-backlog mark then kept every later notice back too.)
* **One refusal per burst** over the rate limit, sent in the user's turn (after the answers
  to the questions before it), with the wait as it is when it is sent.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from telegram import Message
from telegram.error import TelegramError

from qabot.telegram.core import BotCore
from qabot.telegram.texts import say

Who = tuple[int, int]  # (chat id, user id)


class Notice:
    """The queue notice of one question: waiting, then sent (or not needed)."""

    def __init__(self, backlog: Backlog, message: Message, who: Who, lang: str) -> None:
        self.sending: asyncio.Task[Message] | None = None
        self._waiting = asyncio.create_task(self._wait(backlog, message, who, lang))

    async def _wait(self, backlog: Backlog, message: Message, who: Who, lang: str) -> None:
        await asyncio.sleep(backlog.core.config.queue_notice)
        text = backlog.notice_text(who, message.message_id, lang)
        if text:
            self.sending = asyncio.create_task(backlog.core.reply(message, text))
            self.sending.add_done_callback(_retrieve)

    def cancel(self) -> None:
        """The question's turn came: a notice not yet being sent is not needed."""
        self._waiting.cancel()

    async def delivered(self) -> None:
        """Wait until a notice being sent is (so the answer comes after it)."""
        if self.sending is not None:
            with suppress(TelegramError):
                await asyncio.shield(self.sending)


def _retrieve(task: asyncio.Task[Message]) -> None:
    """A notice that could not be sent (the bot stopped; a blocked user) is just not sent."""
    if not task.cancelled():
        task.exception()


class Backlog:
    """Each user's questions in hand, who was told of their backlog, and refused bursts."""

    def __init__(self, core: BotCore) -> None:
        self.core = core
        self._line: dict[Who, list[int]] = {}  # each user's questions in hand, in order
        self._notified: set[Who] = set()  # users told of their current backlog
        self._refused: dict[Who, float] = {}  # user → end of the refused burst

    @contextmanager
    def holding(self, who: Who, message_id: int) -> Iterator[None]:
        """Count the question ``message_id`` of ``who`` as in hand while the block runs."""
        line = self._line.setdefault(who, [])
        line.append(message_id)
        try:
            yield
        finally:
            line.remove(message_id)
            if not line:
                del self._line[who]
                self._notified.discard(who)

    def notice_text(self, who: Who, message_id: int, lang: str) -> str | None:
        """The notice for question ``message_id``, or None when this backlog had one."""
        if who in self._notified:
            return None
        self._notified.add(who)
        line = self._line.get(who, [])
        ahead = line.index(message_id) if message_id in line else 0
        return say(lang, "queued_behind", ahead=ahead) if ahead else say(lang, "queued")

    async def refuse(self, message: Message, who: Who, wait: float, lang: str) -> None:
        """Over the rate limit: one refusal per burst, in the user's turn, with a true wait."""
        now = time.monotonic()
        if self._refused.get(who, 0.0) > now:
            return  # this burst was already told
        self._refused[who] = now + wait
        async with self.core.scheduler.turn(who):
            wait = self.core.rate.retry_in(who[1]) or wait
            limit = self.core.config.rate_limit
            text = say(lang, "rate_limited", limit=limit, seconds=math.ceil(wait))
            await self.core.reply(message, text)
