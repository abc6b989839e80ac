"""The bounded pool questions are answered in, off the event loop.

Same design as the Telegram bot: the engine is loaded once and ``Engine.ask`` (thread-safe,
embedder calls serialised inside) runs in worker threads, so the event loop keeps serving
pages, health checks and other clients while a question is embedded. The pool is bounded
twice: ``workers`` threads, and at most ``queue`` more questions waiting for one; beyond
that the server answers 503 ``busy`` at once instead of piling up latency. A question that
outlasts the time budget is answered 503 ``timeout`` rather than leaving the client waiting.
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
    def __init__(self, workers: int, queue: int, budget: float = 0) -> None:
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qabot-web")
        self.capacity = workers + queue
        self.budget = budget  # seconds a question may take before the client is told (0: none)
        self.pending = 0  # only touched from the event loop thread: no lock needed

    async def run(self, function: Callable[..., T], *args: object, **kwargs: object) -> T:
        """``function(*args, **kwargs)`` in a worker thread; 503 ``busy`` when full, 503
        ``timeout`` when it outlasts the budget. A thread cannot be cancelled, so the job
        keeps its place in the pool until it really ends: a stuck worker is never
        counted as free."""
        if self.pending >= self.capacity:
            raise ApiError(
                503,
                "busy",
                "the server is answering too many questions; retry shortly",
                {"Retry-After": "1"},
            )
        self.pending += 1
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(self.executor, partial(function, *args, **kwargs))
        job.add_done_callback(self._finished)
        try:
            return await asyncio.wait_for(asyncio.shield(job), self.budget or None)
        except TimeoutError:
            raise ApiError(
                503,
                "timeout",
                f"the question took longer than {self.budget:g} s to answer; "
                "ask a shorter question or retry later",
                {"Retry-After": "5"},
            ) from None

    def _finished(self, _: object) -> None:
        self.pending -= 1

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
