"""``qabot index --watch``: rebuild whenever the documents folder changes.

``watchfiles`` (Rust ``notify``) reports changes; a burst of them — a copy of several files,
an editor's save-and-rename — is debounced into one rebuild. Each rebuild is an ordinary
:func:`qabot.indexer.build` (same build lock, so it takes turns with any other ``qabot
index``), with the embedder loaded once. Running servers pick up each new generation
themselves (:mod:`qabot.live`). A build that fails is reported and the watch goes on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from qabot.embedders import Embedder, load_embedder
from qabot.errors import QabotError, UsageError
from qabot.indexer import BuildReport, build

log = logging.getLogger(__name__)

DEBOUNCE_MS = 1500  # quiet time after the last change before a rebuild


def _relevant(_change: object, path: str) -> bool:
    """Hidden files (editor swap files, an upload being staged) are not documents."""
    return not Path(path).name.startswith(".")


def watch(
    docs: Path,
    index: Path,
    embedder: Embedder | str,
    report: Callable[[BuildReport | QabotError], None],
    *,
    store: str | None = None,
    debounce_ms: int = DEBOUNCE_MS,
    stop: threading.Event | None = None,
) -> None:
    """Build now, then after each debounced burst of changes in ``docs`` until ``stop``."""
    try:
        from watchfiles import watch as changes
    except ImportError:
        raise UsageError(
            "--watch needs watchfiles: pip install watchfiles", "missing_extra"
        ) from None
    model = load_embedder(embedder) if isinstance(embedder, str) else embedder

    def rebuild() -> None:
        try:
            report(build(docs, index, model, progress=False, store=store))
        except QabotError as exc:
            report(exc)

    rebuild()
    for _ in changes(
        docs, watch_filter=_relevant, debounce=debounce_ms, stop_event=stop, recursive=False
    ):
        rebuild()
