"""Fair scheduling of questions: who waits for what, and why.

* **Retrieval runs off the event loop** in a bounded thread pool (one thread per core, at most
  four): the loop keeps serving /help, button presses and other chats while the engine works.
* **Each user's questions are answered in order, one at a time** (:meth:`Scheduler.turn`, a
  FIFO ``asyncio.Lock`` per user and chat). So one user's backlog holds at most one job in the
  pool, and a hundred messages from one user cannot starve ten others: their jobs enter the
  pool's queue beside the heavy user's single one. In a private chat this also keeps replies
  in the order of the questions.
* **Long questions cannot take every worker**: at most ``workers - 1`` (at least one) slow
  jobs run at once, so short questions always find a free thread.
* **A question has a time budget** (``budget`` seconds from being queued): past it the
  caller gets :class:`TimeoutError` and tells the user, instead of waiting forever on a
  stuck worker. The thread cannot be cancelled, so it keeps its place in the pool until it
  really ends; a job still queued is dropped.
* Cheap commands never come here at all.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")
SLOW_CHARS = 120  # a question longer than this embeds several times slower
RATE_WINDOW = 60.0


def default_workers() -> int:
    """One retrieval thread per core, at most four (the embedder is serialised anyway)."""
    return max(2, min(4, os.cpu_count() or 2))


@dataclass
class _Job:
    slow: bool
    run: Callable[[], Any]
    future: asyncio.Future[Any]
    on_start: Callable[[], Any] | None = None


class Scheduler:
    """Per-user order plus a bounded, lane-aware worker pool."""

    def __init__(self, workers: int = 0, budget: float = 0) -> None:
        self.workers = workers or default_workers()
        self.budget = budget  # seconds; 0: no limit
        self.slow_limit = max(1, self.workers - 1)
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="qabot-ask")
        self._queue: deque[_Job] = deque()
        self._running = 0
        self._slow_running = 0
        self._turns: defaultdict[Hashable, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._waiting: defaultdict[Hashable, int] = defaultdict(int)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def backlog(self, who: Hashable) -> int:
        """Questions of ``who`` waiting or being answered."""
        return self._waiting.get(who, 0)

    @asynccontextmanager
    async def turn(self, who: Hashable) -> AsyncIterator[None]:
        """Wait for the previous question of ``who`` to be answered (FIFO), then hold the turn."""
        self._waiting[who] += 1
        try:
            async with self._turns[who]:
                yield
        finally:
            self._waiting[who] -= 1
            if not self._waiting[who]:
                del self._waiting[who]
                self._turns.pop(who, None)

    async def run(
        self, fn: Callable[[], T], *, slow: bool = False, on_start: Callable[[], Any] | None = None
    ) -> T:
        """Run ``fn`` on a worker thread when the lane allows (``on_start`` is called then);
        await its result (:class:`TimeoutError` past the budget)."""
        job = _Job(slow, fn, asyncio.get_running_loop().create_future(), on_start)
        self._queue.append(job)
        self._dispatch()
        return await asyncio.wait_for(job.future, self.budget or None)

    def _dispatch(self) -> None:
        """Start queued jobs in order while threads are free; a slow job waits for the slow
        lane without holding up the short ones behind it."""
        for job in list(self._queue):
            if self._running >= self.workers:
                return
            if job.slow and self._slow_running >= self.slow_limit:
                continue
            self._queue.remove(job)
            if job.future.cancelled():
                continue
            self._running += 1
            self._slow_running += job.slow
            if job.on_start:
                job.on_start()
            done = asyncio.get_running_loop().run_in_executor(self._executor, job.run)
            done.add_done_callback(partial(self._finished, job))

    def _finished(self, job: _Job, done: asyncio.Future[Any]) -> None:
        self._running -= 1
        self._slow_running -= job.slow
        if not job.future.cancelled():
            if done.exception() is not None:
                job.future.set_exception(done.exception())  # type: ignore[arg-type]
            else:
                job.future.set_result(done.result())
        self._dispatch()


class QuestionRateLimit:
    """At most ``per_minute`` questions per user in any 60 seconds (0 = no limit)."""

    def __init__(
        self,
        per_minute: int,
        window: float = RATE_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.window = window
        self.clock = clock
        self._asked: defaultdict[int, deque[float]] = defaultdict(deque)

    def check(self, key: int) -> float:
        """0 and counts the question when allowed, else the seconds until the next is."""
        wait = self.retry_in(key)
        if not wait and self.per_minute > 0:
            self._asked[key].append(self.clock())
        return wait

    def retry_in(self, key: int) -> float:
        """Seconds until ``key`` may ask again (0: now), without counting a question."""
        if self.per_minute <= 0:
            return 0.0
        now = self.clock()
        asked = self._asked[key]
        while asked and now - asked[0] >= self.window:
            asked.popleft()
        return self.window - (now - asked[0]) if len(asked) >= self.per_minute else 0.0
