"""The Milvus Lite ``.db`` file itself: one process at a time, and damage found before Milvus
Lite is started on it (issue 23, items 4 and 10).

Milvus Lite keeps everything in one SQLite file. Started on a truncated or overwritten file it
fails with raw server lines and "Open local milvus failed", which reads like an unreachable
server; qabot checks the file with SQLite first and names it instead. ``qabot index --force``
moves a damaged file aside (nothing is deleted) and builds a fresh one.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import filelock

from qabot.errors import IndexStateError

log = logging.getLogger(__name__)

_HELD: dict[str, filelock.FileLock] = {}  # Milvus Lite files this process holds
_HELD_GUARD = threading.Lock()
_SCRATCH_GUARD = threading.Lock()


@functools.cache
def _scratch_home() -> str:
    """The HOME of this process's Milvus Lite servers, removed when the process exits."""
    home = tempfile.mkdtemp(prefix="qabot-milvus-lite-")
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    return home


def hold(path: str) -> None:
    """Take qabot's own lock on a Milvus Lite file for the rest of the process.

    Milvus Lite lets one process open a file, but a refused second process removes the
    lock file on its way out (``Server.stop()`` unlinks a lock it never took), so a third
    one would open a second server on the same file and corrupt it. This flock is released
    by the kernel when the holder exits, however it exits, and a process refused here never
    reaches Milvus Lite."""
    with _HELD_GUARD:
        if path in _HELD:
            return
        lock = filelock.FileLock(f"{path}.qabot.lock")
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            raise IndexStateError(
                f"the Milvus Lite file {path} is held by another process (a qabot serve, "
                "telegram, ask or index using it): Milvus Lite lets one process open a file "
                "at a time; wait for it or stop it, or use a Milvus server (milvus://HOST:PORT)",
                "store_busy",
            ) from None
        except OSError:
            return  # no folder to lock in: Milvus Lite itself says what is wrong
        _HELD[path] = lock


@contextmanager
def own_scratch() -> Iterator[None]:
    """Start a Milvus Lite server inside this block: it gets a HOME of this process's own.

    The server keeps scratch files in ``$HOME/.cache/milvus``, which every server empties
    when it starts and removes when it exits: a second qabot (a ``serve`` beside an ``ask``,
    each on its own file) starting at the same moment broke the first one's server ("Mmap
    manager has not been init"). Milvus Lite copies ``os.environ`` when it spawns the server,
    so HOME is set for that moment only (under a lock) and the folder is removed at exit."""
    with _SCRATCH_GUARD:
        home = os.environ.get("HOME")
        os.environ["HOME"] = _scratch_home()
        try:
            yield
        finally:
            if home is None:
                del os.environ["HOME"]
            else:
                os.environ["HOME"] = home


def damage(path: str) -> str | None:
    """Why the file is not an intact SQLite database (``None`` when it is, or is absent or
    empty: Milvus Lite starts those afresh). Reads the file once (``PRAGMA quick_check``)."""
    file = Path(path)
    try:
        if not file.is_file() or file.stat().st_size == 0:
            return None
    except OSError:
        return None  # unreadable: Milvus Lite's own error names it
    try:
        with closing(sqlite3.connect(f"{file.as_uri()}?mode=ro", uri=True)) as db:
            result = db.execute("PRAGMA quick_check(1)").fetchone()
    except sqlite3.Error as exc:
        return str(exc)
    return None if result and result[0] == "ok" else str(result[0] if result else "no answer")


def damaged(path: str, problem: str) -> IndexStateError:
    """The one-line error (exit 3, reason ``store_damaged``) naming a damaged file."""
    return IndexStateError(
        f"the Milvus Lite file {path} is damaged ({problem.splitlines()[0][:120]}): "
        f"`qabot index --store milvus-lite:{path} --force` moves it aside and builds a new one",
        "store_damaged",
    )


def check_intact(path: str) -> None:
    """Raise :func:`damaged` when SQLite finds the file damaged."""
    problem = damage(path)
    if problem is not None:
        raise damaged(path, problem)


def stop_server(path: str) -> None:
    """Stop the Milvus Lite server this process started on ``path`` (before moving it)."""
    from milvus_lite.server_manager import server_manager_instance

    server_manager_instance.release_server(path)


def set_aside(path: str, problem: str) -> Path:
    """Rename a damaged file to ``<name>.damaged-<time>`` (kept, never deleted) so a forced
    build starts a fresh one."""
    file = Path(path)
    aside = file.with_name(f"{file.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}")
    file.rename(aside)
    log.warning("the Milvus Lite file %s is damaged (%s): kept as %s", path, problem, aside)
    return aside
