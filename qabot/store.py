"""The on-disk index: FAISS vectors, chunk metadata, the BM25 index and a manifest.

Layout of ``embeddings/``::

    manifest.json              what was built, from what, with what (the commit point)
    index-<gen>.faiss          dense vectors (exact or HNSW, chosen by size)
    chunks-<gen>.jsonl         one chunk per line, same order as the vectors
    lexical-<gen>/             bm25s index over the same chunks

``<gen>`` is derived from the corpus and the embedder, so the same input gives the same
files. A build writes the new generation beside the old one and then atomically replaces
``manifest.json``; only then are the old files removed. A crash mid-build therefore leaves
the previous index intact and usable.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

import faiss
import numpy as np

from qabot import __version__
from qabot.corpus import PIPELINE_VERSION
from qabot.embed_pool import EmbedPool
from qabot.embedders import Embedder
from qabot.errors import IndexStateError
from qabot.lexical import LexicalIndex, Tokenizer
from qabot.types import Chunk, DocumentInfo, summarise_documents

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
# Exact search up to this many chunks; above it, HNSW (see scripts/bench.py for the numbers).
HNSW_THRESHOLD = 200_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 256
EMBED_BATCH = 16


@dataclass
class Manifest:
    embedder: str
    dim: int
    corpus_hash: str
    documents: dict[str, str]  # source file → sha256
    chunks: int
    index_type: str
    files: dict[str, str]
    pipeline_version: str = PIPELINE_VERSION
    format_version: int = FORMAT_VERSION
    qabot_version: str = __version__
    embedder_version: str = ""
    built_at: str = ""
    districts: dict[str, str] = field(default_factory=dict)  # district → city

    @classmethod
    def read(cls, index_dir: Path) -> Manifest:
        path = index_dir / MANIFEST
        if not path.exists():
            raise IndexStateError(
                f"no index in {index_dir}: run `qabot index` to build it", "index_missing"
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        except (ValueError, TypeError) as exc:
            raise IndexStateError(
                f"{path} is corrupt ({exc}); rebuild it with `qabot index`"
            ) from exc

    @classmethod
    def describe(
        cls,
        chunks: list[Chunk],
        embedder: Embedder,
        fingerprint: tuple[str, dict[str, str]],
        index_type: str,
        files: dict[str, str],
    ) -> Manifest:
        """The manifest of a generation about to be committed (any backend)."""
        return cls(
            embedder=embedder.id,
            dim=embedder.dim,
            corpus_hash=fingerprint[0],
            documents=fingerprint[1],
            chunks=len(chunks),
            index_type=index_type,
            files=files,
            embedder_version=getattr(embedder, "version", ""),
            built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            districts={c.district: c.city for c in chunks if c.district},
        )

    def check_embedder(self, embedder_id: str, index_command: str = "qabot index") -> None:
        """Refuse to query vectors made by another model: the scores would be meaningless."""
        if self.embedder != embedder_id:
            raise IndexStateError(
                f"the index was built with embedder {self.embedder!r}, "
                f"not {embedder_id!r}: "
                f"rebuild with `{index_command} --embedder {embedder_id}`, or query with "
                f"--embedder {self.embedder} (QABOT_EMBEDDER)"
            )


def generation_id(corpus_digest: str, embedder_id: str) -> str:
    """Names a generation's files or collection: same corpus and embedder, same id."""
    return hashlib.sha256(f"{corpus_digest}|{embedder_id}".encode()).hexdigest()[:12]


def text_key(chunk: Chunk) -> str:
    """Content hash of what gets embedded: equal keys, reusable vector."""
    return hashlib.sha1(chunk.embed_text().encode("utf-8")).hexdigest()


def new_faiss_index(dim: int, size: int) -> faiss.Index:
    """Exact inner-product search for small corpora, HNSW above :data:`HNSW_THRESHOLD`."""
    if size < HNSW_THRESHOLD:
        return faiss.IndexFlatIP(dim)
    index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.hnsw.efSearch = HNSW_EF_SEARCH
    return index


class Store:
    """A loaded index: chunks, their vectors in FAISS, and the lexical index."""

    def __init__(
        self, manifest: Manifest, chunks: list[Chunk], dense: faiss.Index, lexical: LexicalIndex
    ) -> None:
        self.manifest = manifest
        self.chunks = chunks
        self.dense = dense
        self.lexical = lexical

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, index_dir: Path) -> Store:
        manifest = Manifest.read(index_dir)
        if manifest.format_version != FORMAT_VERSION:
            raise IndexStateError(
                f"index in {index_dir} has format {manifest.format_version}, this qabot reads "
                f"{FORMAT_VERSION}: rebuild it with `qabot index`"
            )
        try:
            chunks = [
                Chunk.from_dict(json.loads(line))
                for line in (index_dir / manifest.files["chunks"])
                .read_text(encoding="utf-8")
                .splitlines()
                if line.strip()
            ]
            dense = faiss.read_index(str(index_dir / manifest.files["dense"]))
            lexical = LexicalIndex.load(index_dir / manifest.files["lexical"], len(chunks))
        except (OSError, KeyError, ValueError, TypeError, RuntimeError) as exc:
            raise IndexStateError(
                f"index in {index_dir} is incomplete or corrupt ({type(exc).__name__}: {exc}); "
                "rebuild it with `qabot index`"
            ) from exc
        if not (len(chunks) == dense.ntotal == manifest.chunks) or dense.d != manifest.dim:
            raise IndexStateError(
                f"index in {index_dir} is inconsistent ({len(chunks)} chunks, {dense.ntotal} "
                f"vectors, manifest says {manifest.chunks}); rebuild it with `qabot index`"
            )
        if isinstance(dense, faiss.IndexHNSWFlat):
            dense.hnsw.efSearch = HNSW_EF_SEARCH
        return cls(manifest, chunks, dense, lexical)

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
                faiss.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, depth))
                if isinstance(self.dense, faiss.IndexHNSWFlat)
                else faiss.SearchParameters(sel=selector)
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

    def idf(self, token: str) -> float:
        return self.lexical.idf(token)

    def iter_chunks(self) -> Iterator[Chunk]:
        return iter(self.chunks)

    def paragraph_chunks(self, chunk_id: str) -> list[Chunk]:
        target = next((c for c in self.chunks if c.id == chunk_id), None)
        if target is None:
            return []
        return [
            c for c in self.chunks if (c.doc_id, c.paragraph) == (target.doc_id, target.paragraph)
        ]

    def documents(self) -> list[DocumentInfo]:
        return summarise_documents(self.chunks)

    def vectors_for(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """Stored vectors by content hash (:func:`text_key`), for a build to reuse."""
        wanted = set(keys)
        return {
            key: self.dense.reconstruct(i)
            for i, key in enumerate(text_key(c) for c in self.chunks)
            if key in wanted
        }

    def vectors(self) -> np.ndarray:
        return (
            self.dense.reconstruct_n(0, self.dense.ntotal)
            if self.dense.ntotal
            else np.zeros((0, self.manifest.dim), dtype=np.float32)
        )


@dataclass
class BuildReport:
    chunks: int
    embedded: int
    reused: int
    removed: int
    documents: int
    seconds: float
    problems: list[str]

    def summary(self) -> str:
        text = (
            f"indexed {self.documents} documents → {self.chunks} chunks "
            f"({self.embedded} embedded, {self.reused} reused, {self.removed} dropped) "
            f"in {self.seconds:.1f}s"
        )
        return text + "".join(f"\n  skipped: {p}" for p in self.problems)


def build_store(
    chunks: list[Chunk],
    embedder: Embedder,
    index_dir: Path,
    fingerprint: tuple[str, dict[str, str]],
    tokenizer: Tokenizer,
    previous: Store | None = None,
    progress: Callable[[int], None] | None = None,
    problems: list[str] | None = None,
    workers: int = 1,
) -> tuple[Store, BuildReport]:
    """Embed what changed, write a new generation, commit it by replacing the manifest."""
    started = time.perf_counter()
    reuse: dict[str, np.ndarray] = {}
    if previous is not None and previous.manifest.embedder == embedder.id:
        old_vectors = previous.vectors()
        reuse = {text_key(c): old_vectors[i] for i, c in enumerate(previous.chunks)}
    keys = [text_key(c) for c in chunks]
    todo = [i for i, key in enumerate(keys) if key not in reuse]
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    for i, key in enumerate(keys):
        if key in reuse:
            vectors[i] = reuse[key]
    batches = [todo[start : start + EMBED_BATCH] for start in range(0, len(todo), EMBED_BATCH)]
    with EmbedPool(embedder, workers) as pool:
        texts = ([chunks[i].embed_text() for i in batch] for batch in batches)
        for batch, batch_vectors in zip(batches, pool.map(texts), strict=True):
            vectors[batch] = batch_vectors
            if progress:
                progress(len(batch))

    dense = new_faiss_index(embedder.dim, len(chunks))
    if len(chunks):
        dense.add(vectors)
    lexical = LexicalIndex.build([tokenizer.tokenize(c.embed_text()) for c in chunks])

    generation = generation_id(fingerprint[0], embedder.id)
    files = {
        "dense": f"index-{generation}.faiss",
        "chunks": f"chunks-{generation}.jsonl",
        "lexical": f"lexical-{generation}",
    }
    manifest = Manifest.describe(chunks, embedder, fingerprint, type(dense).__name__, files)
    _write_generation(index_dir, manifest, chunks, dense, lexical)
    removed = len(previous.chunks) - (len(chunks) - len(todo)) if previous else 0
    report = BuildReport(
        chunks=len(chunks),
        embedded=len(todo),
        reused=len(chunks) - len(todo),
        removed=max(0, removed),
        documents=len({c.doc_id for c in chunks}),
        seconds=time.perf_counter() - started,
        problems=problems or [],
    )
    return Store(manifest, chunks, dense, lexical), report


def _write_generation(
    index_dir: Path,
    manifest: Manifest,
    chunks: list[Chunk],
    dense: faiss.Index,
    lexical: LexicalIndex,
) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=index_dir))
    try:
        with open(staging / manifest.files["chunks"], "w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
        faiss.write_index(dense, str(staging / manifest.files["dense"]))
        lexical.save(staging / manifest.files["lexical"])
        for name in manifest.files.values():
            target = index_dir / name
            if target.is_dir():  # same generation rebuilt: move the old copy out of the way
                os.replace(target, staging / f"old-{name}")
            os.replace(staging / name, target)
        tmp_manifest = staging / MANIFEST
        tmp_manifest.write_text(
            json.dumps(asdict(manifest), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        with open(tmp_manifest, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_manifest, index_dir / MANIFEST)  # the commit point
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _remove_stale(index_dir, manifest)


def _remove_stale(index_dir: Path, manifest: Manifest) -> None:
    keep = {MANIFEST, *manifest.files.values()}
    for path in index_dir.iterdir():
        if path.name in keep or not path.name.startswith(
            ("index-", "chunks-", "lexical-", ".building-")
        ):
            continue
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
        log.info("removed stale %s", path.name)
