"""A circuit breaker: stop calling an endpoint that keeps failing, for a while.

After ``threshold`` failures in a row the breaker opens for ``cooldown`` seconds and questions
are answered at once without the model (the extractive answer, with a notice); then one call
is let through, and a success closes it again. A 429 opens it for the ``Retry-After`` the
server asked for, so qabot does not keep knocking on a rate limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class CircuitBreaker:
    def __init__(
        self,
        threshold: int = 3,
        cooldown: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self.clock = clock
        self.failures = 0
        self.open_until = 0.0
        self._lock = threading.Lock()

    def remaining(self) -> float:
        """Seconds the breaker stays open (0: calls may go through)."""
        with self._lock:
            return max(0.0, self.open_until - self.clock())

    def success(self) -> None:
        with self._lock:
            self.failures = 0
            self.open_until = 0.0

    def failure(self, retry_after: float | None = None) -> None:
        """One failed call; ``retry_after`` (a 429) opens the breaker for that long at once."""
        with self._lock:
            self.failures += 1
            if retry_after is not None:
                self.open_until = max(self.open_until, self.clock() + retry_after)
            elif self.failures >= self.threshold:
                self.open_until = self.clock() + self.cooldown
