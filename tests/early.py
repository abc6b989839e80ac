"""Child processes a test waits for, started as soon as collection ends. The quick loop runs in
one process and leaves the second core idle: a fresh interpreter a test only reads the result
of (the thread probes, the start-up checks, ruff) has mostly finished by the time its test
runs, instead of being waited for then. Under pytest-xdist every worker collects every test,
so there each process is started when its test asks for it, as it would be without this."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest

_REGISTERED: list[Early] = []


class Early:
    """``start`` (which returns the running child) for the tests named, in ``module``."""

    def __init__(self, start: Callable[[], subprocess.Popen], module: str, *tests: str) -> None:
        self.start, self.module, self.tests = start, module, frozenset(tests)
        self.process: subprocess.Popen | None = None
        _REGISTERED.append(self)

    def __call__(self) -> subprocess.Popen:
        """The process started early, or one started now: each is handed out once."""
        process, self.process = self.process or self.start(), None
        return process


def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    if hasattr(config, "workerinput") or config.option.collectonly:
        return
    selected = {
        (item.module.__name__, item.originalname)
        for item in session.items
        if isinstance(item, pytest.Function) and item.module
    }
    for early in _REGISTERED:
        if any((early.module, test) in selected for test in early.tests):
            try:
                early.process = early.start()
            except OSError:  # its test starts it again, and fails saying why
                continue


def pytest_sessionfinish() -> None:
    """A process whose test did not ask for it (it failed or was skipped before) is ended."""
    for early in _REGISTERED:
        if early.process is not None:
            early.process.kill()
            early.process.communicate()
            early.process = None
