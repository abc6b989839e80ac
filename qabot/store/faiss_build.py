"""Writing a FAISS index generation: embed what cannot be reused, write the files in a staging
folder, move them in under unique names and commit by replacing ``manifest.json`` (the layout
and the reader's side: :mod:`qabot.store.faiss_store`)."""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import asdict
from pathlib import Path

import faiss
import numpy as np

from qabot.errors import IndexStateError
from qabot.lexical import LexicalIndex
from qabot.store.checkpoint import checkpoint_saver, write_or_fail
from qabot.store.embed_pool import BuildJob, embed_missing, text_key
from qabot.store.faiss_store import FaissStore, new_faiss_index, write_chunks
from qabot.store.manifest import (
    MANIFEST,
    Manifest,
    check_index_folder,
    checksum_tree,
    new_generation,
)

log = logging.getLogger(__name__)

_GENERATION_PREFIXES = ("index-", "chunks-", "lexical-", "bylines-", ".building-")


def build_store(job: BuildJob) -> tuple[FaissStore, int]:
    """Embed what ``reuse`` lacks (in ``workers`` processes, checkpointing as it goes), write
    a new generation and commit it. Returns the store and how many chunks were embedded. The
    caller holds the build lock."""
    chunks, embedder, index_dir = job.chunks, job.embedder, job.index_dir
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    for i, chunk in enumerate(chunks):
        if (key := text_key(chunk)) in job.reuse:
            vectors[i] = job.reuse[key]
    embedded = 0
    save = checkpoint_saver(index_dir, job.checkpoint)
    for batch, batch_vectors in embed_missing(
        chunks, job.reuse, embedder, job.workers, save, job.progress
    ):
        vectors[batch] = batch_vectors
        embedded += len(batch)

    dense = new_faiss_index(embedder.dim, len(chunks))
    if len(chunks):
        dense.add(vectors)
    lexical = LexicalIndex.build([job.tokenizer.tokenize(c.embed_text()) for c in chunks])

    generation = new_generation(job.fingerprint[0])
    files = {
        "dense": f"index-{generation}.faiss",
        "chunks": f"chunks-{generation}.jsonl",
        "lexical": f"lexical-{generation}",
        "bylines": f"bylines-{generation}.jsonl",
    }
    manifest = Manifest.describe(
        chunks, embedder, job.fingerprint, type(dense).__name__, files, generation
    )
    write_or_fail(index_dir, _write_generation, index_dir, manifest, job, dense, lexical)
    if job.checkpoint is not None:
        job.checkpoint.discard()
    return FaissStore(manifest, chunks, dense, lexical, job.bylines), embedded


def _write_generation(
    index_dir: Path,
    manifest: Manifest,
    job: BuildJob,
    dense: faiss.Index,
    lexical: LexicalIndex,
) -> None:
    check_index_folder(index_dir)
    staging = index_dir / f".building-{manifest.generation}"
    names = list(manifest.files.values())
    try:
        staging.mkdir()
        write_chunks(staging / manifest.files["chunks"], job.chunks)
        write_chunks(staging / manifest.files["bylines"], job.bylines)
        # written from Python: a full disk is one OSError, not faiss's own stderr line too
        (staging / manifest.files["dense"]).write_bytes(faiss.serialize_index(dense).tobytes())
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


def sweep_staging(index_dir: Path) -> None:
    """Remove the staging folders of builds killed after their commit point (before their
    own clean-up); the caller holds the lock, so none is in use."""
    for path in index_dir.glob(".building-*"):
        _remove(path)


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
