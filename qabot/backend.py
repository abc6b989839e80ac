"""Where the index lives: the protocol the retriever and the indexer talk to, and the choice of
backend from a ``--store`` value (``QABOT_STORE``).

``faiss`` (default)
    the files in ``--index`` (:mod:`qabot.store`): FAISS + bm25s, one machine.
``milvus-lite:PATH``
    an embedded Milvus Lite database file (:mod:`qabot.milvus_store`); one process at a time.
``milvus://HOST:PORT``, ``http(s)://…``
    a Milvus server or cluster (Zilliz Cloud too), token from ``QABOT_MILVUS_TOKEN``.

Both backends return the dense and the lexical candidates separately, keyed by the chunk's
position in corpus order; fusion stays in :mod:`qabot.retriever`, so every backend reports
the same ``dense_score`` and ``lexical_score`` and breaks ties the same way.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from qabot.embed_pool import BuildJob
from qabot.errors import IndexStateError, UsageError
from qabot.manifest import MANIFEST, Manifest, check_index_folder, exists
from qabot.store import Store, build_store
from qabot.types import Chunk, DocumentInfo

log = logging.getLogger(__name__)

DEFAULT_STORE = "faiss"
TOKEN_ENV = "QABOT_MILVUS_TOKEN"


class ChunkStore(Protocol):
    """An index generation, read-only: what :class:`qabot.Engine` needs from any backend."""

    manifest: Manifest

    @property
    def size(self) -> int: ...

    def check_embedder(self, embedder_id: str) -> None: ...

    def dense_search(
        self, vector: np.ndarray, depth: int, districts: Sequence[str] = ()
    ) -> dict[int, float]: ...

    def lexical_search(
        self, tokens: list[str], depth: int, districts: Sequence[str] = ()
    ) -> dict[int, float]: ...

    def chunks_at(self, positions: Iterable[int]) -> dict[int, Chunk]: ...

    def knows(self, token: str) -> bool: ...

    def idf(self, token: str) -> float: ...

    def iter_chunks(self) -> Iterator[Chunk]: ...

    def paragraph_chunks(self, chunk_id: str) -> list[Chunk]: ...

    def documents(self) -> list[DocumentInfo]: ...

    def vectors_for(self, keys: Sequence[str]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class StoreSpec:
    """A parsed ``--store`` value: ``kind`` is ``faiss``, ``milvus-lite`` or ``milvus``."""

    kind: str
    uri: str = ""
    token: str = ""

    def describe(self) -> str:
        return self.kind if self.kind == "faiss" else f"{self.kind} {self.uri}"


def parse_store(value: str | None) -> StoreSpec:
    """The backend a ``--store`` value names; :class:`UsageError` (exit 2) for anything else."""
    value = (value or DEFAULT_STORE).strip()
    if value == "faiss":
        return StoreSpec("faiss")
    if value.startswith("milvus-lite:") and value.removeprefix("milvus-lite:"):
        return StoreSpec("milvus-lite", str(Path(value.removeprefix("milvus-lite:")).resolve()))
    if value.startswith("milvus://") and value.removeprefix("milvus://"):
        return StoreSpec("milvus", "http://" + value.removeprefix("milvus://"), _token())
    if value.startswith(("http://", "https://")):
        return StoreSpec("milvus", value, _token())
    raise UsageError(
        f"unknown store {value!r}: use faiss, milvus-lite:PATH, milvus://HOST:PORT or an "
        "https:// Milvus URI (QABOT_STORE)",
        "bad_store",
    )


def _token() -> str:
    return os.environ.get(TOKEN_ENV, "")


def open_existing(spec: StoreSpec, index_dir: Path) -> ChunkStore | None:
    """The current index generation, or ``None`` when none was built yet. Read-only."""
    if spec.kind == "faiss":
        check_index_folder(index_dir)  # a file named by --index: say so, not "no index"
        return Store.load(index_dir) if exists(index_dir / MANIFEST) else None
    from qabot.milvus_store import MilvusStore

    return MilvusStore.open(spec)


def reuse_source(
    spec: StoreSpec, index_dir: Path, previous: ChunkStore | None, force: bool
) -> ChunkStore | None:
    """Where a build finds vectors to reuse: the previous generation, or for a first Milvus
    build the FAISS index in ``index_dir`` (moving to Milvus re-embeds nothing), unless
    ``force``."""
    if previous is not None or force or spec.kind == "faiss" or not (index_dir / MANIFEST).exists():
        return previous
    try:
        return Store.load(index_dir)
    except IndexStateError as exc:
        log.info("not reusing the FAISS vectors in %s: %s", index_dir, exc)
        return None


def write_generation(spec: StoreSpec, job: BuildJob) -> tuple[ChunkStore, int]:
    """Embed what ``job.reuse`` lacks and commit a new generation in the chosen backend;
    returns it and how many chunks were embedded. The caller holds the build lock."""
    if spec.kind == "faiss":
        return build_store(job)
    from qabot.milvus_build import build_collection

    return build_collection(spec, job)
