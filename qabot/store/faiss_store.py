"""The on-disk index: FAISS vectors, chunk metadata, the BM25 index and a manifest.

Layout of ``embeddings/``::

    manifest.json              what was built, from what, with checksums (the commit point)
    index-<gen>.faiss          dense vectors (exact or HNSW, chosen by size)
    chunks-<gen>.jsonl         one chunk per line, same order as the vectors
    bylines-<gen>.jsonl        the documents' bylines (qabot.bylines), one per line, not searched
    lexical-<gen>/             bm25s index over the same chunks
    .build.lock                held by the one process that is building (``filelock``)
    .checkpoint-<model>.vec    vectors of an unfinished build (:mod:`qabot.store.checkpoint`)

Every build (:mod:`qabot.store.faiss_build`) writes a new generation ``<gen>`` (corpus hash
+ a unique suffix) in a staging folder, moves its files in under their final names, and
commits by atomically replacing ``manifest.json``. Files are never overwritten, and the
previous generation is kept until the next build, so a reader that opened the old manifest
can still load what it names; a reader whose load fails while the manifest changed under it
simply loads again. A crash or a full
disk before the commit leaves the previous index as it was.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path

import faiss
import numpy as np

from qabot.errors import IndexStateError
from qabot.lexical import LexicalIndex
from qabot.store.embed_pool import text_key
from qabot.store.manifest import REBUILD, Manifest
from qabot.types import Chunk, DocumentInfo, summarise_documents

log = logging.getLogger(__name__)

# Exact search up to this many chunks; above it, HNSW (see scripts/bench.py for the numbers).
HNSW_THRESHOLD = 200_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 256
LOAD_ATTEMPTS = 3  # a reader retries this often when a build commits while it loads


def new_faiss_index(dim: int, size: int) -> faiss.Index:
    """Exact inner-product search for small corpora, HNSW above :data:`HNSW_THRESHOLD`."""
    if size < HNSW_THRESHOLD:
        return faiss.IndexFlatIP(dim)
    index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.hnsw.efSearch = HNSW_EF_SEARCH
    return index


class FaissStore:
    """A loaded index: chunks, their vectors in FAISS, and the lexical index."""

    def __init__(
        self,
        manifest: Manifest,
        chunks: list[Chunk],
        dense: faiss.Index,
        lexical: LexicalIndex,
        bylines: list[Chunk] | None = None,
    ) -> None:
        self.manifest = manifest
        self.chunks = chunks
        self.dense = dense
        self.lexical = lexical
        self._bylines = bylines or []

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, index_dir: Path) -> FaissStore:
        """The committed generation in ``index_dir``, checksums verified.

        A load that fails while a build commits a new generation is tried again (up to
        :data:`LOAD_ATTEMPTS` times) on the new manifest, so readers never report a healthy
        index as corrupt just because they raced a build.
        """
        for attempt in range(1, LOAD_ATTEMPTS + 1):
            manifest = Manifest.read(index_dir)
            try:
                return cls._load_generation(index_dir, manifest)
            except IndexStateError:
                if attempt == LOAD_ATTEMPTS or not _manifest_moved(index_dir, manifest):
                    raise
                log.info("index %s changed while loading; loading again", index_dir)
        raise AssertionError("unreachable")  # pragma: no cover

    @classmethod
    def _load_generation(cls, index_dir: Path, manifest: Manifest) -> FaissStore:
        manifest.verify_files(index_dir)
        try:
            chunks = read_chunks(index_dir / manifest.files["chunks"])
            # an index built before bylines were kept names no such file: no bylines
            kept = manifest.files.get("bylines")
            bylines = read_chunks(index_dir / kept) if kept else []
            dense = faiss.read_index(str(index_dir / manifest.files["dense"]))
            lexical = LexicalIndex.load(index_dir / manifest.files["lexical"], len(chunks))
        except (OSError, KeyError, ValueError, TypeError, RuntimeError) as exc:
            raise IndexStateError(
                f"index in {index_dir} is incomplete or corrupt ({type(exc).__name__}: {exc}); "
                + REBUILD,
                "index_corrupt",
            ) from exc
        if dense.d != manifest.dim:
            raise IndexStateError(
                f"index in {index_dir}: the vectors have dimension {dense.d} but the manifest "
                f"says {manifest.dim} (embedder {manifest.embedder}); {REBUILD} --force",
                "index_corrupt",
            )
        if not (len(chunks) == dense.ntotal == manifest.chunks):
            raise IndexStateError(
                f"index in {index_dir} is inconsistent ({len(chunks)} chunks, {dense.ntotal} "
                f"vectors, manifest says {manifest.chunks}); {REBUILD}",
                "index_corrupt",
            )
        if isinstance(dense, faiss.IndexHNSWFlat):
            dense.hnsw.efSearch = HNSW_EF_SEARCH
        return cls(manifest, chunks, dense, lexical, bylines)

    def check_embedder(self, embedder_id: str) -> None:
        self.manifest.check_embedder(embedder_id)

    # ------------------------------------------------------------------ the ChunkStore protocol

    @property
    def size(self) -> int:
        return len(self.chunks)

    @cached_property
    def _by_district(self) -> dict[str, np.ndarray]:
        groups: dict[str, list[int]] = {}
        for i, chunk in enumerate(self.chunks):
            groups.setdefault(chunk.district, []).append(i)
        return {d: np.asarray(ids, dtype=np.int64) for d, ids in groups.items()}

    def _allowed(self, districts: Sequence[str]) -> np.ndarray | None:
        """Chunk positions of the given districts (``None``: no restriction)."""
        if not districts:
            return None
        parts = [self._by_district.get(d, np.zeros(0, dtype=np.int64)) for d in districts]
        return np.sort(np.concatenate(parts))

    def dense_search(
        self, vector: np.ndarray, depth: int, districts: Sequence[str] = ()
    ) -> dict[int, float]:
        """Cosine similarity of the best ``depth`` chunks (of ``districts``), by position."""
        allowed = self._allowed(districts)
        if self.size == 0 or (allowed is not None and not len(allowed)):
            return {}
        depth = min(depth, self.size if allowed is None else len(allowed))
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(allowed)
            params = (
                # faiss's bundled stubs lack SearchParametersHNSW and the sel argument
                faiss.SearchParametersHNSW(  # type: ignore[attr-defined]
                    sel=selector, efSearch=max(HNSW_EF_SEARCH, depth)
                )
                if isinstance(self.dense, faiss.IndexHNSWFlat)
                else faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
            )
        scores, ids = self.dense.search(vector.reshape(1, -1), depth, params=params)
        return {int(i): float(s) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0}

    def lexical_search(
        self, tokens: list[str], depth: int, districts: Sequence[str] = ()
    ) -> dict[int, float]:
        """BM25 scores (> 0) of the best ``depth`` chunks (of ``districts``), by position."""
        allowed = self._allowed(districts)
        scores = self.lexical.scores(tokens)
        if allowed is not None:
            mask = np.full(self.size, -1.0, dtype=np.float32)
            mask[allowed] = scores[allowed]
            scores = mask
        order = np.argsort(-scores, kind="stable")[:depth]
        return {int(i): float(scores[i]) for i in order if scores[i] > 0}

    def chunks_at(self, positions: Iterable[int]) -> dict[int, Chunk]:
        return {i: self.chunks[i] for i in positions}

    def known(self, tokens: Iterable[str]) -> set[str]:
        return {t for t in tokens if self.lexical.knows(t)}

    def idf(self, token: str) -> float:
        return self.lexical.idf(token)

    def idfs(self, tokens: Iterable[str]) -> dict[str, float]:
        return {t: self.lexical.idf(t) for t in tokens}

    def iter_chunks(self) -> Iterator[Chunk]:
        return iter(self.chunks)

    def paragraph_chunks(self, chunk_id: str) -> list[Chunk]:
        place = next(((c.doc_id, c.paragraph) for c in self.chunks if c.id == chunk_id), None)
        return [c for c in self.chunks if (c.doc_id, c.paragraph) == place]

    def documents(self) -> list[DocumentInfo]:
        return summarise_documents(self.chunks)

    def bylines(self) -> list[Chunk]:
        return self._bylines

    @cached_property
    def _by_key(self) -> dict[str, int]:
        return {text_key(c): i for i, c in enumerate(self.chunks)}

    def vectors_for(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """Stored vectors by content hash (:func:`qabot.store.embed_pool.text_key`), for reuse."""
        return {
            k: np.asarray(self.dense.reconstruct(self._by_key[k]))
            for k in keys
            if k in self._by_key
        }


def read_chunks(path: Path) -> list[Chunk]:
    """Chunks stored one JSON object per line (:func:`write_chunks`)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Chunk.from_dict(json.loads(line)) for line in lines if line.strip()]


def write_chunks(path: Path, chunks: Iterable[Chunk]) -> None:
    """Chunks one JSON object per line, as :func:`read_chunks` reads them."""
    with open(path, "w", encoding="utf-8") as fh:
        for chunk in chunks:
            fh.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")


def _manifest_moved(index_dir: Path, manifest: Manifest) -> bool:
    try:
        return Manifest.read(index_dir).generation != manifest.generation
    except IndexStateError:
        return False
