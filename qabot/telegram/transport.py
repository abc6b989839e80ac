"""Talking to the Bot API under flood control, and reaching it at start-up.

Why not PTB's ``AIORateLimiter`` as it is: on a 429 it pauses *every* request of the bot
until ``retry_after`` has passed (one ``asyncio.Event`` for all chats), so one user flooding
their own chat delays everybody's answers — the heavy-user scenario of
``scripts/bench_telegram.py`` measures it (``--limiter ptb``). :class:`ChatRateLimiter` keeps
its good part, the same ``aiolimiter`` leaky buckets (about one message a second per private
chat, 20 a minute per group, 30 a second overall, as Telegram documents), and makes the
penalty of a 429 local: only requests to that chat wait. Everything else is PTB's.

* The typing action never waits and is never retried: it is skipped while its chat is
  throttled, and a 429 on it only stops further typing actions there for ``retry_after`` —
  so it cannot delay the answer it announces.
* A 429 on a message to a chat is waited out for as long as Telegram says, however often it
  comes: the answer is delivered when allowed, never dropped. If the bot stops meanwhile,
  the wait ends (:class:`Abandoned`) and the question stays pending
  (:mod:`~qabot.telegram.pending`) for the next start.
* Network errors are retried with backoff (messages, edits, button answers; ``getMe`` is
  left to :func:`wait_for_api`). A request whose answer was lost may have been
  delivered; a resend can then duplicate a message, which we prefer to losing an answer.
* :func:`wait_for_api` retries the first contact with backoff for ``--startup-wait`` seconds
  (the network may come up after the bot), then gives up with one line and exit code 4.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from contextlib import suppress
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from aiolimiter import AsyncLimiter
from telegram import Bot
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from qabot.errors import QabotError

log = logging.getLogger(__name__)
ApiResult = bool | dict[str, Any] | list[dict[str, Any]]  # what a Bot API call returns

TYPING = "sendChatAction"
ANSWERS = {"answerCallbackQuery", "answerInlineQuery"}  # replies that carry no chat id
MAX_CHAT_LIMITERS = 10_000


class Abandoned(NetworkError):
    """A reply still waiting for flood control when the bot stopped (it stays pending)."""


class ApiUnreachable(QabotError):
    """The Bot API could not be reached at start-up within the configured wait."""

    exit_code = 4
    reason = "api_unreachable"


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def retry_after(exc: RetryAfter) -> float:
    """``exc.retry_after`` in seconds, without PTB's int-vs-timedelta deprecation notice."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _seconds(exc.retry_after)


class ChatRateLimiter(BaseRateLimiter[int]):
    """Per-chat leaky buckets and per-chat 429 back-off (see the module docstring)."""

    def __init__(
        self,
        private_rate: tuple[float, float] = (1, 1.0),
        group_rate: tuple[float, float] = (20, 60.0),
        overall_rate: tuple[float, float] = (30, 1.0),
        attempts: int = 6,
        base_delay: float = 0.5,
        max_delay: float = 10.0,
        max_retry_after: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.private_rate, self.group_rate = private_rate, group_rate
        self.overall = AsyncLimiter(*overall_rate)
        self.attempts = attempts
        self.base_delay, self.max_delay = base_delay, max_delay
        self.max_retry_after = max_retry_after
        self.clock = clock
        self._chats: OrderedDict[int | str, AsyncLimiter] = OrderedDict()
        self._blocked_until: dict[int | str, float] = {}
        self._typing_until: dict[int | str, float] = {}
        self._stopping = asyncio.Event()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def _limiter(self, chat: int | str) -> AsyncLimiter:
        limiter = self._chats.pop(chat, None)
        if limiter is None:
            group = isinstance(chat, str) or chat < 0
            limiter = AsyncLimiter(*(self.group_rate if group else self.private_rate))
        self._chats[chat] = limiter
        while len(self._chats) > MAX_CHAT_LIMITERS:
            self._chats.popitem(last=False)
        return limiter

    def blocked_for(self, chat: int | str | None) -> float:
        """Seconds until Telegram lets us send to ``chat`` again (0: now)."""
        if chat is None:
            return 0.0
        return max(0.0, self._blocked_until.get(chat, 0.0) - self.clock())

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, ApiResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> ApiResult:
        chat = data.get("chat_id")
        if isinstance(chat, str) and chat.lstrip("-").isdigit():
            chat = int(chat)
        if endpoint == TYPING:
            return await self._typing(callback, args, kwargs, chat)
        attempts = rate_limit_args or self.attempts
        delay, failures = self.base_delay, 0
        while True:
            await self._pause(self.blocked_for(chat))
            try:
                if chat is not None:  # the chat's bucket first: waiting there costs no one
                    await self._limiter(chat).acquire()
                await self.overall.acquire()
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_after(exc)
                if chat is None:  # no chat to hold back: a bounded wait, then give up
                    failures += 1
                    if failures >= attempts or wait > self.max_retry_after:
                        raise
                    await self._pause(wait)
                else:  # an answer is never dropped: its chat waits as long as Telegram says
                    self._blocked_until[chat] = self.clock() + wait
                log.warning("flood control on %s: chat waits %.0f s", endpoint, wait)
            except BadRequest:
                raise
            except NetworkError as exc:  # includes TimedOut and 5xx answers
                failures += 1
                if failures >= attempts or not (chat is not None or endpoint in ANSWERS):
                    raise  # getMe & co.: the caller (start-up, PTB's polling loop) retries
                log.warning(
                    "network error on %s (%s): retrying in %.1f s",
                    endpoint,
                    type(exc).__name__,
                    delay,
                )
                await self._pause(delay)
                delay = min(delay * 2, self.max_delay)

    def abandon(self) -> None:
        """The bot is stopping: end every wait now (the waiting replies stay pending)."""
        self._stopping.set()

    async def _pause(self, seconds: float) -> None:
        """Sleep ``seconds``, or raise :class:`Abandoned` as soon as the bot stops."""
        if self._stopping.is_set():
            raise Abandoned("the bot is stopping")
        if seconds <= 0:
            return
        with suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
            raise Abandoned("the bot is stopping")

    async def _typing(
        self,
        callback: Callable[..., Coroutine[Any, Any, ApiResult]],
        args: Any,
        kwargs: Any,
        chat: Any,
    ) -> ApiResult:
        """The typing action: sent only when it costs nothing; a 429 throttles the chat."""
        now = self.clock()
        if chat is None or self.blocked_for(chat) or self._typing_until.get(chat, 0) > now:
            return True
        if not self._limiter(chat).has_capacity():
            return True
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:  # no more typing there for a while; the answer goes ahead
            self._typing_until[chat] = now + retry_after(exc)
            return True


async def wait_for_api(bot: Bot, wait: float, base_url: str) -> None:
    """Initialise ``bot`` (``getMe``), retrying network errors with backoff for ``wait`` s."""
    deadline = time.monotonic() + wait
    delay = 1.0
    while True:
        try:
            await bot.initialize()
            return
        except InvalidToken:
            raise
        except NetworkError as exc:
            left = deadline - time.monotonic()
            where = urlsplit(base_url).netloc
            if isinstance(exc, BadRequest) or left <= 0:
                raise ApiUnreachable(
                    f"cannot reach the Telegram Bot API at {where} ({type(exc).__name__}) "
                    f"after {wait:.0f} s; check the network or TELEGRAM_API_BASE_URL"
                ) from None
            log.warning(
                "Bot API at %s unreachable (%s); retrying in %.0f s",
                where,
                type(exc).__name__,
                min(delay, left),
            )
            await asyncio.sleep(min(delay, left))
            delay = min(delay * 2, 30.0)
