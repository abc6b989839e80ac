"""qabot's own cache folder, and tables parsed once from a large file and kept there.

Parsing a dictionary file of a hundred thousand lines takes seconds; unpickling the parsed
table, a fraction of one. The cached file is named after the source's size and modification
time and the parser's version, so a new source or parser is parsed afresh, never mixed up.
Each reinstall gives the source a new modification time: only the :data:`KEEP` tables of a
name used last are kept (22 copies of a 5 MB table had piled up on a developer's machine).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
KEEP = 2  # cached tables of one name kept: this install's and one other's (two venvs)


def cache_dir() -> str | None:
    """``$XDG_CACHE_HOME/qabot``, else ``~/.cache/qabot`` (jieba's dictionary cache too: in
    the shared /tmp another user's file made jieba print two tracebacks on every start).
    ``None`` when it cannot be created."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    folder = Path(base) / "qabot"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return str(folder)


def parsed(name: str, source: Path, version: str, parse: Callable[[Path], T]) -> T:
    """``parse(source)``, read from the cache folder when an earlier process parsed the same
    file with the same ``version`` of the parser; written there (atomically) otherwise. A
    cache that cannot be read or written only costs the parse."""
    folder = cache_dir()
    try:
        stat = source.stat()
    except OSError:
        return parse(source)
    if folder is None:
        return parse(source)
    cached = Path(folder) / f"{name}-v{version}-{stat.st_size}-{stat.st_mtime_ns}.pickle"
    try:
        table: T = pickle.loads(cached.read_bytes())
        os.utime(cached)  # used now: the last to be pruned
        return table
    except FileNotFoundError:
        pass
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        log.warning("cache %s unreadable; parsing %s again", cached, source.name)
    table = parse(source)
    try:
        with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".tmp") as out:
            pickle.dump(table, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(out.name, cached)
        _prune(Path(folder), name)
    except OSError as error:
        log.info("cannot keep the parsed %s in %s: %s", source.name, folder, error)
    return table


def _prune(folder: Path, name: str) -> None:
    """Remove the tables of ``name`` but the :data:`KEEP` used last (another process may be
    removing them too)."""
    tables = []
    for path in folder.glob(f"{name}-v*.pickle"):
        with contextlib.suppress(OSError):
            tables.append((path.stat().st_mtime_ns, path))
    for _, path in sorted(tables, reverse=True)[KEEP:]:
        with contextlib.suppress(OSError):
            path.unlink()
