"""The bounded pool questions are answered in, off the event loop.

Same design as the Telegram bot: the engine is loaded once and ``Engine.ask`` (thread-safe,
embedder calls serialised inside) runs in worker threads, so the event loop keeps serving
pages, health checks and other clients while a question is embedded. The pool is bounded
twice: ``workers`` threads, and at most ``queue`` more questions waiting for one; beyond
that the server answers 503 ``busy`` at once instead of piling up latency.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from qabot.web.guards import ApiError

T = TypeVar("T")


class AnswerPool:
    def __init__(self, workers: int, queue: int) -> None:
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qabot-web")
        self.capacity = workers + queue
        self.pending = 0  # only touched from the event loop thread: no lock needed

    async def run(self, function: Callable[..., T], *args: object, **kwargs: object) -> T:
        """``function(*args, **kwargs)`` in a worker thread; 503 ``busy`` when full."""
        if self.pending >= self.capacity:
            raise ApiError(
                503,
                "busy",
                "the server is answering too many questions; retry shortly",
                {"Retry-After": "1"},
            )
        self.pending += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.executor, partial(function, *args, **kwargs))
        finally:
            self.pending -= 1

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
