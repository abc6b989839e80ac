"""What every index backend offers (:class:`ChunkStore`) and which backend a ``--store`` value
(``QABOT_STORE``) names (:class:`StoreSpec`). Both are light: the front ends, the retriever and
the backends themselves import this module, never one another.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from qabot.errors import UsageError
from qabot.store.manifest import Manifest
from qabot.types import Chunk, DocumentInfo

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

    def known(self, tokens: Iterable[str]) -> set[str]: ...  # those some chunk uses

    def idf(self, token: str) -> float: ...

    def idfs(self, tokens: Iterable[str]) -> dict[str, float]: ...  # ``idf`` of many at once

    def iter_chunks(self) -> Iterator[Chunk]: ...

    def paragraph_chunks(self, chunk_id: str) -> list[Chunk]: ...

    def documents(self) -> list[DocumentInfo]: ...

    def bylines(self) -> list[Chunk]: ...  # author, editor, date lines: never searched

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
