"""Where the index lives: the backend a ``--store`` value (``QABOT_STORE``) names, opened, reused
or written (the protocol and the parsing of the value: :mod:`qabot.store.protocol`).

``faiss`` (default)
    the files in ``--index`` (:mod:`qabot.store.faiss_store`): FAISS + bm25s, one machine.
``milvus-lite:PATH``
    an embedded Milvus Lite database file (:mod:`qabot.store.milvus_store`); one process at a time.
``milvus://HOST:PORT``, ``http(s)://…``
    a Milvus server or cluster (Zilliz Cloud too), token from ``QABOT_MILVUS_TOKEN``.

Both backends return the dense and the lexical candidates separately, keyed by the chunk's
position in corpus order; fusion stays in :mod:`qabot.retriever`, so every backend reports
the same ``dense_score`` and ``lexical_score`` and breaks ties the same way.
"""

from __future__ import annotations

import logging
from pathlib import Path

from qabot.errors import IndexStateError
from qabot.store import lite_file
from qabot.store.embed_pool import BuildJob
from qabot.store.faiss_build import build_store
from qabot.store.faiss_store import FaissStore
from qabot.store.manifest import MANIFEST, check_index_folder, exists
from qabot.store.protocol import ChunkStore, StoreSpec

log = logging.getLogger(__name__)


def open_existing(spec: StoreSpec, index_dir: Path) -> ChunkStore | None:
    """The current index generation, or ``None`` when none was built yet. Read-only."""
    if spec.kind == "faiss":
        check_index_folder(index_dir)  # a file named by --index: say so, not "no index"
        return FaissStore.load(index_dir) if exists(index_dir / MANIFEST) else None
    from qabot.store.milvus_store import MilvusStore

    return MilvusStore.open(spec)


def set_aside_damaged(spec: StoreSpec) -> None:
    """Before a forced build: a damaged Milvus Lite file (SQLite finds it damaged, or Milvus
    cannot load what it holds) is moved aside, kept, so the build starts a new one."""
    if spec.kind != "milvus-lite":
        return
    lite_file.hold(spec.uri)
    problem = lite_file.damage(spec.uri)
    if problem is None and Path(spec.uri).is_file():
        from qabot.store.milvus_store import MilvusStore

        try:
            MilvusStore.open(spec)
        except IndexStateError as exc:
            if exc.reason == "store_damaged":
                lite_file.stop_server(spec.uri)
                problem = "Milvus Lite cannot load what it holds"
    if problem is not None:
        lite_file.set_aside(spec.uri, problem)


def reuse_source(
    spec: StoreSpec, index_dir: Path, previous: ChunkStore | None, force: bool
) -> ChunkStore | None:
    """Where a build finds vectors to reuse: the previous generation, or for a first Milvus
    build the FAISS index in ``index_dir`` (moving to Milvus re-embeds nothing), unless
    ``force``."""
    if previous is not None or force or spec.kind == "faiss" or not (index_dir / MANIFEST).exists():
        return previous
    try:
        return FaissStore.load(index_dir)
    except IndexStateError as exc:
        log.info("not reusing the FAISS vectors in %s: %s", index_dir, exc)
        return None


def write_generation(spec: StoreSpec, job: BuildJob) -> tuple[ChunkStore, int]:
    """Embed what ``job.reuse`` lacks and commit a new generation in the chosen backend;
    returns it and how many chunks were embedded. The caller holds the build lock."""
    if spec.kind == "faiss":
        return build_store(job)
    from qabot.store.milvus_build import build_collection

    return build_collection(spec, job)
