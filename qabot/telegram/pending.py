"""Nothing lost: every message is noted in the state database when it is received and
removed once it has been handled; what a crash (or a long outage) left unanswered is
answered at the next start, oldest first.

Why here and not in Telegram: PTB's next ``getUpdates`` confirms the fetched updates to
Telegram at once (``offset``), long before their handlers finish — with concurrent updates a
user's fifth question is confirmed while the first is still being answered — so Telegram
never redelivers them. :class:`RecordingQueue` is the application's update queue: the
polling loop (and the webhook server) puts each update there *before* asking for the next
batch, and the put writes it to the ``pending`` table first.

* **No double answers**: the ``handled`` table (marked right after the reply is sent) still
  decides; a pending question already answered is skipped, and a copy of an update that is
  being handled is dropped at the queue.
* **Late answers say so**: an update answered after a restart gets a short note.
* **Too old**: a pending update older than ``pending_max_age`` seconds is dropped at start-up
  (logged) — a day-old question is better asked again.
* **A transient failure** (network down, flood control outlasting a graceful stop) leaves
  the update pending: it is tried again a minute later and at the next start.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, TypeGuard

from telegram import Update
from telegram.ext import Application

from qabot.telegram.state import ChatState

log = logging.getLogger("qabot.telegram")
# python-telegram-bot's Application with its bot, context and data types left open.
AnyApplication = Application[Any, Any, Any, Any, Any, Any]
RETRY_AFTER_FAILURE = 60.0  # seconds before an update whose reply failed is tried again


def recorded(update: object) -> TypeGuard[Update]:
    """Messages (new and edited) are kept; buttons and inline queries expire within seconds."""
    return isinstance(update, Update) and bool(update.message or update.edited_message)


class Inbox:
    """Which updates are in hand, which were replayed (late), which failed transiently."""

    def __init__(self, state: ChatState, max_age: float) -> None:
        self.state = state
        self.max_age = max_age
        self.late: dict[int, float] = {}  # replayed update id → when it was first received
        self.failed: set[int] = set()
        self._in_hand: set[int] = set()

    def take(self, update: object) -> bool:
        """Note ``update`` as received; False for a copy of one already in hand."""
        if not recorded(update):
            return True
        if update.update_id in self._in_hand:
            return False
        self._in_hand.add(update.update_id)
        self.state.receive(update.update_id, update.to_dict())
        return True

    def finish(self, update: object) -> bool:
        """Handling ended; True when it failed transiently and should be tried again."""
        if not recorded(update):
            return False
        self._in_hand.discard(update.update_id)
        self.late.pop(update.update_id, None)
        if update.update_id in self.failed:
            self.failed.discard(update.update_id)
            return True
        self.state.done(update.update_id)
        return False

    def replay(self, application: AnyApplication) -> int:
        """Queue what a previous run left unanswered, oldest first; returns how many."""
        now, count = time.time(), 0
        for update_id, received, payload in self.state.pending():
            if now - received > self.max_age:
                log.warning("update %s dropped: pending for %.0f s", update_id, now - received)
                self.state.done(update_id)
                continue
            self.late[update_id] = received
            application.update_queue.put_nowait(Update.de_json(payload, application.bot))
            count += 1
        if count:
            log.info("answering %d message(s) received before the restart", count)
        return count


class RecordingQueue(asyncio.Queue):  # type: ignore[type-arg]
    """The update queue that notes each message in the state database as it is put."""

    def __init__(self, inbox: Inbox) -> None:
        super().__init__()
        self.inbox = inbox

    def put_nowait(self, item: Any) -> None:
        if self.inbox.take(item):
            super().put_nowait(item)


class BotApplication(Application):  # type: ignore[type-arg]
    """PTB's ``Application``, marking each message handled (or to retry) when it is."""

    def __init__(self, inbox: Inbox, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.inbox = inbox

    async def process_update(self, update: object) -> None:
        try:
            await super().process_update(update)
        finally:
            if self.inbox.finish(update):
                asyncio.get_running_loop().call_later(RETRY_AFTER_FAILURE, self._again, update)

    def _again(self, update: object) -> None:
        if self.running:
            self.update_queue.put_nowait(update)

    async def stop(self) -> None:
        """Stop waiting out flood control: what is still unsent stays pending for next time."""
        abandon = getattr(self.bot.rate_limiter, "abandon", None)
        if abandon is not None:
            abandon()
        await super().stop()
