"""What a build embeds, and in how many processes (``qabot index --workers N``).

A build reuses every vector it can, by content hash (:func:`text_key`): from the current
generation of the index when it was made by the same embedder, and from an interrupted
build's checkpoint (:mod:`qabot.store.checkpoint`); :func:`embed_missing` embeds the rest.

Each worker process loads the same embedder by its id (``e5-small`` or ``st:MODEL``; a
sentence-transformers model picks its device itself, so the same code runs on a GPU
machine), and batches come back in order as they finish, so the caller can write each one
before the next: a build killed midway keeps everything already written. The standard
library's process pool is enough here: the work is a few large calls, not many small ones.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qabot.embedders import BATCH, Embedder, load_embedder
from qabot.errors import UsageError
from qabot.lexical import Tokenizer
from qabot.threads import configure
from qabot.types import Chunk

if TYPE_CHECKING:
    from qabot.store.checkpoint import VectorCheckpoint
    from qabot.store.protocol import ChunkStore

REUSE_WINDOW = 1024  # content hashes looked up in the previous generation per call

_worker: Embedder | None = None


@dataclass
class BuildJob:
    """What a backend needs to write a new generation: the chunks, the vectors ``reuse``
    already has (by :func:`text_key`), how to embed the rest, the index folder, home of
    the build's checkpoint whatever the backend, and the bylines stored beside the chunks
    (never embedded nor searched: :mod:`qabot.bylines`)."""

    chunks: list[Chunk]
    embedder: Embedder
    index_dir: Path
    fingerprint: tuple[str, dict[str, str]]
    tokenizer: Tokenizer
    reuse: dict[str, np.ndarray]
    checkpoint: VectorCheckpoint | None = None
    progress: Callable[[int], None] | None = None
    workers: int = 1
    bylines: list[Chunk] = field(default_factory=list)


def text_key(chunk: Chunk) -> str:
    """Content hash of what gets embedded: equal keys, reusable vector."""
    return hashlib.sha1(chunk.embed_text().encode("utf-8")).hexdigest()


def reusable_vectors(
    chunks: list[Chunk],
    previous: ChunkStore | None,
    embedder: Embedder,
    checkpoint: VectorCheckpoint | None,
) -> dict[str, np.ndarray]:
    """Vectors of ``chunks`` that need no embedding: from an interrupted build's checkpoint,
    and from the previous generation (loaded, hence verified) when the same embedder made
    it. Any backend: a first Milvus build passes the FAISS index as ``previous``."""
    reuse = checkpoint.load() if checkpoint is not None else {}
    if previous is not None and previous.manifest.embedder == embedder.id:
        missing = list(dict.fromkeys(k for k in map(text_key, chunks) if k not in reuse))
        for start in range(0, len(missing), REUSE_WINDOW):
            found = previous.vectors_for(missing[start : start + REUSE_WINDOW])
            reuse.update({k: np.asarray(v, dtype=np.float32) for k, v in found.items()})
    return reuse


def pending(chunks: list[Chunk], reuse: Mapping[str, np.ndarray]) -> int:
    """How many of ``chunks`` still need embedding."""
    return sum(text_key(c) not in reuse for c in chunks)


def embed_missing(
    chunks: list[Chunk],
    reuse: Mapping[str, np.ndarray],
    embedder: Embedder,
    workers: int = 1,
    save: Callable[[list[str], np.ndarray], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[list[int], np.ndarray]]:
    """(positions, vectors) of the chunks ``reuse`` lacks, :data:`~qabot.embedders.BATCH` at a
    time in corpus order. Each batch goes to ``save`` (the checkpoint) before it is yielded, so a
    build killed at any point keeps every batch it finished."""
    keys = [text_key(c) for c in chunks]
    todo = [i for i, key in enumerate(keys) if key not in reuse]
    batches = [todo[start : start + BATCH] for start in range(0, len(todo), BATCH)]
    with EmbedPool(embedder, workers) as pool:
        texts = ([chunks[i].embed_text() for i in batch] for batch in batches)
        for batch, vectors in zip(batches, pool.map(texts), strict=True):
            if save is not None:
                save([keys[i] for i in batch], vectors)
            if progress:
                progress(len(batch))
            yield batch, vectors


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
            configure(workers=self.workers)  # one thread each, inherited by the new processes
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
