"""Embedding passages in several processes (``qabot index --workers N``).

Each worker process loads the same embedder by its id (``e5-small`` or ``st:MODEL``; a
sentence-transformers model picks its device itself, so the same code runs on a GPU
machine), and batches come back in order as they finish, so the caller can write each one
before the next: a build killed midway keeps everything already written. The standard
library's process pool is enough here: the work is a few large calls, not many small ones.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from qabot.embedders import Embedder, load_embedder
from qabot.errors import UsageError

_worker: Embedder | None = None


def check_workers(workers: int) -> int:
    if workers < 1:
        raise UsageError(f"--workers must be 1 or more, not {workers}", "bad_workers")
    return workers


def _load(name: str) -> None:
    global _worker
    _worker = load_embedder(name)


def _embed(texts: Sequence[str]) -> np.ndarray:
    assert _worker is not None
    return _worker.embed_passages(texts)


class EmbedPool:
    """``with EmbedPool(embedder, workers) as pool: pool.map(batches)``: passage vectors for
    each batch, in order. ``workers`` > 1 starts that many processes once for the whole
    build (each loads the model once: worth it from a few thousand passages on)."""

    def __init__(self, embedder: Embedder, workers: int = 1) -> None:
        self.embedder = embedder
        self.workers = check_workers(workers)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> EmbedPool:
        if self.workers > 1:
            context = multiprocessing.get_context("spawn")  # never fork a loaded model
            self._pool = ProcessPoolExecutor(
                self.workers, context, initializer=_load, initargs=(self.embedder.id,)
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def map(self, batches: Iterable[Sequence[str]]) -> Iterator[np.ndarray]:
        if self._pool is None:
            return (self.embedder.embed_passages(texts) for texts in batches)
        return self._pool.map(_embed, batches)
