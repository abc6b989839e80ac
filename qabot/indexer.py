"""Building and refreshing the index: documents → chunks → vectors + BM25 → a new generation.

Kept apart from :class:`qabot.Engine` so that opening an index for questions never writes
anything: ``Engine.load`` only reads, and whoever wants the index rebuilt (``qabot index``,
or ``qabot ask`` through ``Engine.open``) calls :func:`build` explicitly.

One build at a time per index folder (an inter-process ``filelock``); ``qabot index`` waits
for a running build, ``qabot ask`` does not (it answers from the index it has). ``ask``
refreshes a stale index inline only when at most :data:`ASK_REFRESH_LIMIT` passages need
embedding; a larger change is left to ``qabot index`` with a one-line warning, so a question
never silently waits for a half-hour build.

``store`` is a ``--store`` value (:mod:`qabot.store.backend`; default: the FAISS files in the index
folder). Whatever the backend, the lock and the checkpoint live in the index folder.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import filelock

from qabot.corpus import PIPELINE_VERSION, Corpus, load_corpus
from qabot.districts import Gazetteer
from qabot.embedders import Embedder, check_embedder_name, load_embedder
from qabot.errors import CorpusError, IndexStateError, QabotError
from qabot.lexical import Tokenizer, tokenizer_signature
from qabot.meaning import update_vectors
from qabot.progress import Progress
from qabot.sentences import sentence_spans
from qabot.settings import DEFAULT_EMBEDDER
from qabot.sources import CATALOG_NAME, scan_sources
from qabot.store.backend import (
    open_existing,
    reuse_source,
    set_aside_damaged,
    write_generation,
)
from qabot.store.checkpoint import VectorCheckpoint, checkpoint_path
from qabot.store.embed_pool import BuildJob, check_workers, pending, reusable_vectors
from qabot.store.faiss_build import sweep_staging
from qabot.store.manifest import Manifest, check_index_folder
from qabot.store.protocol import ChunkStore, StoreSpec, parse_store
from qabot.types import Chunk

log = logging.getLogger(__name__)

# `ask` embeds at most this many passages before answering (about 150 ms each on 2 cores);
# a bigger change is answered from the current index, with a warning to run `qabot index`.
ASK_REFRESH_LIMIT = 40
LOCK_NAME = ".build.lock"


def corpus_hash(docs_dir: Path) -> tuple[str, dict[str, str]]:
    """Fingerprint of the documents, the catalog and the pipeline, plus per-file hashes.

    A file that cannot be read is left out (it is skipped by name when the corpus loads).
    """
    digest = hashlib.sha256(f"pipeline={PIPELINE_VERSION};tokens={tokenizer_signature()}".encode())
    files: dict[str, str] = {}
    catalog = docs_dir / CATALOG_NAME
    paths = [*scan_sources(docs_dir)[0], *([catalog] if catalog.is_file() else [])]
    for path in paths:
        try:
            files[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            continue
        digest.update(f"{path.name}={files[path.name]}\n".encode())
    files.pop(CATALOG_NAME, None)
    return digest.hexdigest(), files


def is_stale(docs: Path, manifest: Manifest) -> bool:
    """True when ``docs`` no longer matches what the index was built from.

    An index shipped without its sources (no ``docs`` folder) is never stale.
    """
    if not docs.is_dir():
        return False
    return corpus_hash(docs)[0] != manifest.corpus_hash


@contextmanager
def build_lock(index_dir: Path, timeout: float = -1) -> Iterator[None]:
    """Hold the index folder's build lock (waiting up to ``timeout`` s; -1: as long as it
    takes). :class:`filelock.Timeout` if another build still holds it then. Whatever the
    backend, builds of one ``--index`` folder take turns."""
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
    except filelock.Timeout:  # an OSError too: not a folder problem, another build
        raise
    except OSError as exc:  # a read-only folder, a full disk …
        raise IndexStateError(
            f"cannot build the index in {index_dir} ({exc.strerror or exc})", "index_write_failed"
        ) from exc
    try:
        yield
    finally:
        lock.release()


def build(
    docs: Path | str,
    index: Path | str,
    embedder: Embedder | str = DEFAULT_EMBEDDER,
    *,
    force: bool = False,
    progress: bool = True,
    store: str | None = None,
    workers: int = 1,
) -> BuildReport:
    """Build or refresh the index in ``index`` from the documents in ``docs``.

    Only chunks whose text changed are embedded again (vectors are reused from the current,
    checksum-verified index and from an interrupted build's checkpoint); ``force=True``
    re-embeds everything. Waits for another build of the same folder to finish first.
    ``progress`` draws a bar on a terminal, or prints progress lines to a log. ``store`` is
    a ``--store`` value; ``workers`` > 1 embeds in that many processes.
    """
    docs, index, spec = Path(docs), Path(index), parse_store(store)
    check_workers(workers)
    _check_folders(docs, index)
    model = load_embedder(embedder) if isinstance(embedder, str) else embedder
    with build_lock(index, timeout=-1):
        previous = _current(spec, index, force)
        return _build(docs, index, model, previous, force, progress, spec, workers)[1]


def _check_folders(docs: Path, index: Path) -> None:
    if not docs.is_dir():
        raise CorpusError(
            f"document folder {docs} does not exist (set --docs or QABOT_DOCS)", "docs_missing"
        )
    check_index_folder(index)


def _current(spec: StoreSpec, index: Path, force: bool) -> ChunkStore | None:
    """The committed index to reuse vectors from: none when forced, missing or damaged (an
    unreachable Milvus is an error: building it is impossible too)."""
    if force:
        set_aside_damaged(spec)
        return None
    try:
        return open_existing(spec, index)
    except IndexStateError as exc:
        if exc.reason in ("store_unreachable", "store_unavailable", "store_busy", "store_damaged"):
            raise
        log.warning("rebuilding from scratch: %s", exc)
        return None


@dataclass
class BuildReport:
    """What a build did; ``passages_per_s`` is the embedding rate (0 when nothing was embedded),
    so a user adding documents can tell a minute from an hour."""

    chunks: int
    embedded: int
    reused: int
    removed: int
    documents: int
    seconds: float
    problems: list[str]
    passages_per_s: float = 0.0

    def summary(self) -> str:
        rate = f", {self.passages_per_s:.1f} passages/s" if self.embedded else ""
        text = (
            f"indexed {self.documents} documents → {self.chunks} chunks "
            f"({self.embedded} embedded, {self.reused} reused, {self.removed} dropped) "
            f"in {self.seconds:.1f}s{rate}"
        )
        return text + "".join(f"\n  skipped: {p}" for p in self.problems)


@dataclass
class _Plan:
    corpus: Corpus
    chunks: list[Chunk]
    fingerprint: tuple[str, dict[str, str]]


def _plan(docs: Path) -> _Plan:
    corpus = load_corpus(docs)
    return _Plan(corpus, corpus.chunks(), corpus_hash(docs))


def _build(
    docs: Path,
    index: Path,
    embedder: Embedder,
    previous: ChunkStore | None,
    force: bool,
    progress: bool,
    spec: StoreSpec,
    workers: int = 1,
    plan: _Plan | None = None,
) -> tuple[ChunkStore, BuildReport]:
    """Embed and commit a new generation; the caller holds the build lock."""
    started = time.perf_counter()
    plan = plan or _plan(docs)
    checkpoint = _checkpoint(index, embedder)
    if force:
        checkpoint.discard()
    up_to_date = (
        previous is not None
        and not force
        and previous.manifest.corpus_hash == plan.fingerprint[0]
        and previous.manifest.embedder == embedder.id
    )
    todo, embed_seconds = 0, 0.0
    if up_to_date and previous is not None:
        store = previous
        # a build killed after its commit: its vectors are in, its leftovers not needed
        checkpoint.discard()
        if spec.kind == "faiss":
            sweep_staging(index)
    else:
        source = reuse_source(spec, index, previous, force)
        reuse = reusable_vectors(plan.chunks, source, embedder, checkpoint)
        gazetteer = Gazetteer((c.district, c.city) for c in plan.chunks)
        with Progress(pending(plan.chunks, reuse), "embedding", enabled=progress) as bar:
            job = BuildJob(
                chunks=plan.chunks,
                embedder=embedder,
                index_dir=index,
                fingerprint=plan.fingerprint,
                tokenizer=Tokenizer(gazetteer.names),
                reuse=reuse,
                checkpoint=checkpoint,
                progress=bar.update,
                workers=workers,
                bylines=plan.corpus.bylines(),
            )
            writing = time.perf_counter()
            store, todo = write_generation(spec, job)
            embed_seconds = time.perf_counter() - writing
    if spec.kind == "faiss":  # a Milvus store keeps nothing in the local folder
        tokenizer = Tokenizer(Gazetteer((c.district, c.city) for c in plan.chunks).names)
        words = {t for c in plan.chunks for t in tokenizer.tokenize(c.embed_text())}
        update_vectors(index, embedder, words, "words", progress)
        sentences = {s for c in plan.chunks for _, s in sentence_spans(c.text)}
        update_vectors(index, embedder, sentences, "sentences", progress)
    kept = len(plan.chunks) - todo
    report = BuildReport(
        chunks=len(plan.chunks),
        embedded=todo,
        reused=kept,
        removed=max(0, previous.size - kept) if previous and not up_to_date else 0,
        documents=len({c.doc_id for c in plan.chunks}),
        seconds=time.perf_counter() - started,
        problems=plan.corpus.problems,
        passages_per_s=round(todo / embed_seconds, 2) if todo and embed_seconds else 0.0,
    )
    log.info(report.summary())
    return store, report


def _checkpoint(index: Path, embedder: Embedder) -> VectorCheckpoint:
    path = checkpoint_path(index, embedder.id, getattr(embedder, "version", ""), embedder.dim)
    return VectorCheckpoint(path, embedder.dim)


def open_store(
    docs: Path,
    index: Path,
    embedder: str,
    *,
    refresh: bool,
    progress: bool,
    store: str | None = None,
) -> tuple[ChunkStore, Embedder]:
    """The index in ``index`` (or the ``store`` backend) and its embedder; the index is built
    first if there is none and refreshed if ``docs`` changed (when ``refresh``), within
    :data:`ASK_REFRESH_LIMIT`."""
    check_embedder_name(embedder)
    check_index_folder(index)
    spec = parse_store(store)
    found = open_existing(spec, index)
    if found is not None:
        found.check_embedder(embedder)  # before the (slow) model load
    model = load_embedder(embedder)
    if found is None:
        where = index if spec.kind == "faiss" else spec.describe()
        if not docs.is_dir():
            raise IndexStateError(
                f"no index in {where} and no documents in {docs} to build one from",
                "index_missing",
            )
        log.warning("no index in %s yet: building it from %s", where, docs)
        with build_lock(index, timeout=-1):
            previous = _current(spec, index, False)
            return _build(docs, index, model, previous, False, progress, spec)[0], model
    try:
        if not (refresh and is_stale(docs, found.manifest)):
            return found, model
        return _refresh(docs, index, model, found, progress, spec), model
    except QabotError as exc:
        log.warning("%s; answering from the index built %s", exc, found.manifest.built_at)
        return found, model


def open_readonly(
    index: Path, embedder: str | None = None, store: str | None = None
) -> tuple[ChunkStore, Embedder]:
    """The index in ``index`` (or the ``store`` backend) and its embedder, read-only: no
    build, no writes. ``embedder`` defaults to the one the index was built with; another one
    is refused (:class:`IndexStateError`), since its vectors would not be comparable."""
    spec = parse_store(store)
    found = open_existing(spec, index)
    if found is None:
        where = index if spec.kind == "faiss" else spec.describe()
        raise IndexStateError(
            f"no index in {where}: run `qabot index` to build it", "index_missing"
        )
    name = embedder or found.manifest.embedder
    check_embedder_name(name)
    found.check_embedder(name)
    return found, load_embedder(name)


def _refresh(
    docs: Path, index: Path, model: Embedder, store: ChunkStore, progress: bool, spec: StoreSpec
) -> ChunkStore:
    """A small change is embedded now; a large one, or a build already running, is not."""
    try:
        with build_lock(index, timeout=0):
            current = _current(spec, index, False) or store
            plan = _plan(docs)
            if current.manifest.corpus_hash == plan.fingerprint[0]:
                return current  # another process refreshed it meanwhile
            reuse = reusable_vectors(plan.chunks, current, model, _checkpoint(index, model))
            todo = pending(plan.chunks, reuse)
            if todo > ASK_REFRESH_LIMIT:
                log.warning(
                    "the documents changed and %d passages need embedding (about %d min): "
                    "answering from the index built %s; run `qabot index` to refresh it",
                    todo,
                    max(1, round(todo * 0.15 / 60)),
                    current.manifest.built_at,
                )
                return current
            log.info("the documents changed: refreshing the index (%d passages)", todo)
            return _build(docs, index, model, current, False, progress, spec, plan=plan)[0]
    except filelock.Timeout:
        log.warning(
            "another build of %s is running: answering from the index built %s",
            index,
            store.manifest.built_at,
        )
        return store
