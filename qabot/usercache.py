"""qabot's own cache folder, and tables parsed once from a large file and kept there.

Parsing a dictionary file of a hundred thousand lines takes seconds; unpickling the parsed
table, a fraction of one. The cached file is named after the source's size and modification
time and the parser's version, so a new source or parser is parsed afresh, never mixed up.
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


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
        return pickle.loads(cached.read_bytes())  # type: ignore[no-any-return]
    except FileNotFoundError:
        pass
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        log.warning("cache %s unreadable; parsing %s again", cached, source.name)
    table = parse(source)
    try:
        with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".tmp") as out:
            pickle.dump(table, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(out.name, cached)
    except OSError as error:
        log.info("cannot keep the parsed %s in %s: %s", source.name, folder, error)
    return table
