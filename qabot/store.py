"""The on-disk index: FAISS vectors, chunk metadata, the BM25 index and a manifest.

Layout of ``embeddings/``::

    manifest.json              what was built, from what, with checksums (the commit point)
    index-<gen>.faiss          dense vectors (exact or HNSW, chosen by size)
    chunks-<gen>.jsonl         one chunk per line, same order as the vectors
    lexical-<gen>/             bm25s index over the same chunks
    .build.lock                held by the one process that is building (``filelock``)
    .checkpoint-<model>.vec    vectors of an unfinished build (:mod:`qabot.checkpoint`)

Every build writes a new generation ``<gen>`` (corpus hash + a unique suffix) in a staging
folder, moves its files in under their final names, and commits by atomically replacing
``manifest.json``. Files are never overwritten, and the previous generation is kept until the
next build, so a reader that opened the old manifest can still load what it names; a reader
whose load fails while the manifest changed under it simply loads again. A crash or a full
disk before the commit leaves the previous index as it was.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import filelock
import numpy as np

from qabot.checkpoint import VectorCheckpoint
from qabot.embedders import Embedder
from qabot.errors import IndexStateError
from qabot.lexical import LexicalIndex, Tokenizer
from qabot.manifest import MANIFEST, REBUILD, Manifest, check_index_folder, checksum_tree
from qabot.types import Chunk

log = logging.getLogger(__name__)

# Exact search up to this many chunks; above it, HNSW (see scripts/bench.py for the numbers).
HNSW_THRESHOLD = 200_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 256
EMBED_BATCH = 16
LOCK_NAME = ".build.lock"
LOAD_ATTEMPTS = 3  # a reader retries this often when a build commits while it loads
_GENERATION_PREFIXES = ("index-", "chunks-", "lexical-", ".building-")


def _text_key(chunk: Chunk) -> str:
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
    def _load_generation(cls, index_dir: Path, manifest: Manifest) -> Store:
        manifest.verify_files(index_dir)
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
        return cls(manifest, chunks, dense, lexical)

    def check_embedder(self, embedder_id: str) -> None:
        """Refuse to query vectors made by another model: the scores would be meaningless."""
        if self.manifest.embedder != embedder_id:
            raise IndexStateError(
                f"the index was built with embedder {self.manifest.embedder!r}, "
                f"not {embedder_id!r}: "
                f"rebuild with `qabot index --embedder {embedder_id}`, or query with "
                f"--embedder {self.manifest.embedder} (QABOT_EMBEDDER)"
            )

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


def _manifest_moved(index_dir: Path, manifest: Manifest) -> bool:
    try:
        return Manifest.read(index_dir).generation != manifest.generation
    except IndexStateError:
        return False


@contextmanager
def build_lock(index_dir: Path, timeout: float = -1) -> Iterator[None]:
    """Hold the index folder's build lock (waiting up to ``timeout`` s; -1: as long as it
    takes). :class:`filelock.Timeout` if another build still holds it then."""
    lock = filelock.FileLock(index_dir / LOCK_NAME)
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            if timeout == 0:
                raise
            log.warning("another build of %s is running: waiting for it to finish", index_dir)
            lock.acquire(timeout=timeout)
    except OSError as exc:  # a read-only folder, a full disk …
        raise IndexStateError(
            f"cannot build the index in {index_dir} ({exc.strerror or exc})", "index_write_failed"
        ) from exc
    try:
        yield
    finally:
        lock.release()


def reusable_vectors(
    previous: Store | None, embedder: Embedder, checkpoint: VectorCheckpoint | None
) -> dict[str, np.ndarray]:
    """Vectors that need no embedding: from the previous generation (loaded, hence verified)
    when it was made by the same embedder, and from an interrupted build's checkpoint."""
    reuse = checkpoint.load() if checkpoint is not None else {}
    if previous is not None and previous.manifest.embedder == embedder.id:
        old_vectors = previous.vectors()
        reuse.update({_text_key(c): old_vectors[i] for i, c in enumerate(previous.chunks)})
    return reuse


def pending(chunks: list[Chunk], reuse: dict[str, np.ndarray]) -> int:
    """How many of ``chunks`` still need embedding."""
    return sum(_text_key(c) not in reuse for c in chunks)


def build_store(
    chunks: list[Chunk],
    embedder: Embedder,
    index_dir: Path,
    fingerprint: tuple[str, dict[str, str]],
    tokenizer: Tokenizer,
    reuse: dict[str, np.ndarray],
    checkpoint: VectorCheckpoint | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Store, int]:
    """Embed what ``reuse`` lacks (checkpointing as it goes), write a new generation and
    commit it. Returns the store and how many chunks were embedded. The caller holds the
    build lock."""
    keys = [_text_key(c) for c in chunks]
    todo = [i for i, key in enumerate(keys) if key not in reuse]
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    for i, key in enumerate(keys):
        if key in reuse:
            vectors[i] = reuse[key]
    for start in range(0, len(todo), EMBED_BATCH):
        batch = todo[start : start + EMBED_BATCH]
        vectors[batch] = embedder.embed_passages([chunks[i].embed_text() for i in batch])
        if checkpoint is not None:
            _write_or_fail(index_dir, checkpoint.append, [keys[i] for i in batch], vectors[batch])
        if progress:
            progress(len(batch))

    dense = new_faiss_index(embedder.dim, len(chunks))
    if len(chunks):
        dense.add(vectors)
    lexical = LexicalIndex.build([tokenizer.tokenize(c.embed_text()) for c in chunks])

    corpus_digest, documents = fingerprint
    generation = f"{corpus_digest[:12]}-{uuid.uuid4().hex[:8]}"
    manifest = Manifest(
        embedder=embedder.id,
        dim=embedder.dim,
        corpus_hash=corpus_digest,
        documents=documents,
        chunks=len(chunks),
        index_type=type(dense).__name__,
        files={
            "dense": f"index-{generation}.faiss",
            "chunks": f"chunks-{generation}.jsonl",
            "lexical": f"lexical-{generation}",
        },
        generation=generation,
        embedder_version=getattr(embedder, "version", ""),
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        districts={c.district: c.city for c in chunks if c.district},
    )
    _write_or_fail(index_dir, _write_generation, index_dir, manifest, chunks, dense, lexical)
    if checkpoint is not None:
        checkpoint.discard()
    return Store(manifest, chunks, dense, lexical), len(todo)


def _write_or_fail(index_dir: Path, write: Callable[..., None], *args: object) -> None:
    """Run a write; a full disk, a read-only folder … becomes one clear error."""
    try:
        write(*args)
    except OSError as exc:
        raise IndexStateError(
            f"cannot write the index in {index_dir} ({exc.strerror or exc}); "
            "the previous index is unchanged",
            "index_write_failed",
        ) from exc


def _write_generation(
    index_dir: Path,
    manifest: Manifest,
    chunks: list[Chunk],
    dense: faiss.Index,
    lexical: LexicalIndex,
) -> None:
    check_index_folder(index_dir)
    staging = index_dir / f".building-{manifest.generation}"
    names = list(manifest.files.values())
    try:
        staging.mkdir()
        with open(staging / manifest.files["chunks"], "w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
        faiss.write_index(dense, str(staging / manifest.files["dense"]))
        lexical.save(staging / manifest.files["lexical"])
        manifest.checksums = checksum_tree(staging, names)
        tmp_manifest = staging / MANIFEST
        tmp_manifest.write_text(
            json.dumps(asdict(manifest), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        _fsync_all(staging)
        for name in names:  # unique names: nothing a reader may hold is replaced
            os.replace(staging / name, index_dir / name)
        target = index_dir / MANIFEST
        if target.is_dir() and not target.is_symlink():  # a damaged index: heal it
            shutil.rmtree(target)
        previous = _committed_generation(index_dir)
        os.replace(tmp_manifest, target)  # the commit point
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if _committed_generation(index_dir) != manifest.generation:
            for name in names:
                _remove(index_dir / name)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    _remove_stale(index_dir, keep={manifest.generation, previous})


def _fsync_all(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())


def _committed_generation(index_dir: Path) -> str:
    try:
        return Manifest.read(index_dir).generation
    except IndexStateError:
        return ""


def _remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)


def _remove_stale(index_dir: Path, keep: set[str]) -> None:
    """Delete generations other than the new one and the one it replaced (a reader that
    opened the previous manifest may still be loading it); the caller holds the lock, so
    no other build's staging folder can be in use."""
    for path in index_dir.iterdir():
        if not path.name.startswith(_GENERATION_PREFIXES):
            continue
        stem = path.name.split("-", 1)[1].removesuffix(".faiss").removesuffix(".jsonl")
        if stem not in keep:
            _remove(path)
            log.info("removed stale %s", path.name)
