"""Progress of a long build: a tqdm bar on a terminal, plain lines in a log.

A large document takes many minutes to embed. On a terminal tqdm draws its bar; when stderr
is a file or a pipe (CI, cron, a service manager) a bar would be one endless line, so a
plain line with count, rate and ETA goes to stderr every :data:`LINE_EVERY_S` seconds.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType

from tqdm import tqdm

LINE_EVERY_S = 10.0


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


class Progress:
    """Count ``total`` units of work; report as the output allows (nothing if disabled)."""

    def __init__(self, total: int, what: str, enabled: bool = True) -> None:
        self.total = total
        self.what = what
        self.done = 0
        self.enabled = enabled and total > 0
        self._bar = None
        if self.enabled and sys.stderr.isatty():
            self._bar = tqdm(total=total, desc=what, unit="passage", leave=False)
        self._started = self._last = time.monotonic()

    def __enter__(self) -> Progress:
        if self.enabled and self._bar is None:
            self._line(f"{self.what}: {self.total} passages to embed")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self.enabled and kind is None:
            self._line(self.status())

    def update(self, count: int) -> None:
        self.done += count
        if self._bar is not None:
            self._bar.update(count)
            return
        now = time.monotonic()
        if self.enabled and now - self._last >= LINE_EVERY_S:
            self._last = now
            self._line(self.status())

    def status(self) -> str:
        """``embedding: 320/1000 passages (32%), 2.1/s, ETA 0:05:24``"""
        elapsed = max(time.monotonic() - self._started, 1e-9)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate else 0.0
        share = 100 * self.done / self.total if self.total else 100
        return (
            f"{self.what}: {self.done}/{self.total} passages ({share:.0f}%), "
            f"{rate:.1f}/s, ETA {_clock(eta)}"
        )

    @staticmethod
    def _line(text: str) -> None:
        print(f"qabot: {text}", file=sys.stderr, flush=True)
