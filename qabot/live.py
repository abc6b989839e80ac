"""The engine of a long-running front end, switched to each new index generation.

``qabot index`` (another process, or an upload) commits a build by replacing
``manifest.json``; the previous generation's files stay until the next build. A server asks
:meth:`LiveEngine.current` once per question and answers the whole question from the engine
it got, so a question never mixes two generations. When the manifest names a new
generation, a background thread loads it (reusing the loaded embedder, so a switch costs the
index load, not a model load) and the next question gets it; until then, and if the new
generation cannot be loaded, questions go on being answered from the one in memory.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from qabot.engine import Engine
from qabot.errors import QabotError
from qabot.store.backend import open_existing
from qabot.store.manifest import MANIFEST, Manifest
from qabot.store.protocol import parse_store

log = logging.getLogger(__name__)

CHECK_EVERY = 0.5  # seconds between looks at the manifest (one stat call)


class LiveEngine:
    """Hands out the engine of the newest loadable generation in ``index_dir``."""

    def __init__(self, engine: Engine, index_dir: Path | str, store: str | None = None) -> None:
        self._engine = engine
        self._index = Path(index_dir)
        self._spec = parse_store(store)
        self._checked = 0.0
        self._stamp = self._manifest_stamp()
        self._loading: threading.Thread | None = None
        self._lock = threading.Lock()
        self._failed = ""  # the generation that would not load (not retried)

    @property
    def generation(self) -> str:
        return self._engine.store.manifest.generation

    def current(self) -> Engine:
        """The engine to answer the next question with; starts loading a newer generation
        in the background when the manifest changed."""
        now = time.monotonic()
        if now - self._checked >= CHECK_EVERY:
            self._checked = now
            stamp = self._manifest_stamp()
            if stamp != self._stamp:
                self._stamp = stamp
                self._start_reload()
        return self._engine

    def reload_now(self) -> Engine:
        """Load the current generation before returning (after a build this process made)."""
        self._stamp = self._manifest_stamp()
        self._reload()
        return self._engine

    def _manifest_stamp(self) -> tuple[int, int]:
        try:
            stat = (self._index / MANIFEST).stat()
        except OSError:
            return (0, 0)
        return (stat.st_mtime_ns, stat.st_ino)

    def _start_reload(self) -> None:
        with self._lock:
            if self._loading is not None and self._loading.is_alive():
                return
            self._loading = threading.Thread(target=self._reload, name="qabot-reload", daemon=True)
            self._loading.start()

    def _reload(self) -> None:
        try:
            generation = Manifest.read(self._index).generation
        except QabotError as exc:
            log.warning("still answering from the previous index: %s", exc)
            return
        if generation in (self.generation, self._failed):
            return
        started = time.monotonic()
        try:
            store = open_existing(self._spec, self._index)
            if store is None:
                return
            embedder = self._engine.embedder.inner
            store.check_embedder(embedder.id)
            self._engine = Engine(store, embedder)
        except QabotError as exc:
            self._failed = generation
            log.warning("still answering from the previous index: the new one fails (%s)", exc)
            return
        log.info("switched to index generation %s in %.1fs", generation, time.monotonic() - started)
