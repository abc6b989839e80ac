"""Building and refreshing the index: documents → chunks → vectors + BM25 → a new generation.

Kept apart from :class:`qabot.Engine` so that opening an index for questions never writes
anything: ``Engine.load`` only reads, and whoever wants the index rebuilt (``qabot index``,
or ``qabot ask`` through ``Engine.open``) calls :func:`build` explicitly.

One build at a time per index folder (an inter-process ``filelock``); ``qabot index`` waits
for a running build, ``qabot ask`` does not (it answers from the index it has). ``ask``
refreshes a stale index inline only when at most :data:`ASK_REFRESH_LIMIT` passages need
embedding; a larger change is left to ``qabot index`` with a one-line warning, so a question
never silently waits for a half-hour build.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import filelock

from qabot.checkpoint import VectorCheckpoint, checkpoint_path
from qabot.corpus import PIPELINE_VERSION, Corpus, load_corpus
from qabot.districts import Gazetteer
from qabot.embedders import DEFAULT_EMBEDDER, Embedder, check_embedder_name, load_embedder
from qabot.errors import CorpusError, IndexStateError, QabotError
from qabot.lexical import Tokenizer, tokenizer_signature
from qabot.manifest import MANIFEST, Manifest, check_index_folder
from qabot.progress import Progress
from qabot.sources import CATALOG_NAME, scan_sources
from qabot.store import BuildReport, Store, build_lock, build_store, pending, reusable_vectors
from qabot.types import Chunk

log = logging.getLogger(__name__)

# `ask` embeds at most this many passages before answering (about 150 ms each on 2 cores);
# a bigger change is answered from the current index, with a warning to run `qabot index`.
ASK_REFRESH_LIMIT = 40


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


def build(
    docs: Path | str,
    index: Path | str,
    embedder: Embedder | str = DEFAULT_EMBEDDER,
    *,
    force: bool = False,
    progress: bool = True,
) -> BuildReport:
    """Build or refresh the index in ``index`` from the documents in ``docs``.

    Only chunks whose text changed are embedded again (vectors are reused from the current,
    checksum-verified index and from an interrupted build's checkpoint); ``force=True``
    re-embeds everything. Waits for another build of the same folder to finish first.
    ``progress`` draws a bar on a terminal, or prints progress lines to a log.
    """
    docs, index = Path(docs), Path(index)
    _check_folders(docs, index)
    model = load_embedder(embedder) if isinstance(embedder, str) else embedder
    with build_lock(index, timeout=-1):
        return _build(docs, index, model, _current(index, force), force, progress)[1]


def _check_folders(docs: Path, index: Path) -> None:
    if not docs.is_dir():
        raise CorpusError(
            f"document folder {docs} does not exist (set --docs or QABOT_DOCS)", "docs_missing"
        )
    check_index_folder(index)


def _current(index: Path, force: bool) -> Store | None:
    """The committed index to reuse vectors from: none when forced, missing or damaged."""
    if force or not (index / MANIFEST).exists():
        return None
    try:
        return Store.load(index)
    except IndexStateError as exc:
        log.warning("rebuilding from scratch: %s", exc)
        return None


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
    previous: Store | None,
    force: bool,
    progress: bool,
    plan: _Plan | None = None,
) -> tuple[Store, BuildReport]:
    """Embed and commit a new generation; the caller holds the build lock."""
    started = time.perf_counter()
    plan = plan or _plan(docs)
    checkpoint = _checkpoint(index, embedder)
    if force:
        checkpoint.discard()
    reuse = reusable_vectors(previous, embedder, checkpoint)
    todo = pending(plan.chunks, reuse)
    up_to_date = (
        previous is not None
        and not force
        and previous.manifest.corpus_hash == plan.fingerprint[0]
        and previous.manifest.embedder == embedder.id
    )
    if up_to_date:
        store = previous
    else:
        gazetteer = Gazetteer((c.district, c.city) for c in plan.chunks)
        with Progress(todo, "embedding", enabled=progress) as bar:
            store, todo = build_store(
                plan.chunks,
                embedder,
                index,
                plan.fingerprint,
                Tokenizer(gazetteer.names),
                reuse,
                checkpoint,
                progress=bar.update,
            )
    kept = len(plan.chunks) - (0 if up_to_date else todo)
    report = BuildReport(
        chunks=len(plan.chunks),
        embedded=0 if up_to_date else todo,
        reused=kept,
        removed=max(0, len(previous.chunks) - kept) if previous and not up_to_date else 0,
        documents=len({c.doc_id for c in plan.chunks}),
        seconds=time.perf_counter() - started,
        problems=plan.corpus.problems,
    )
    log.info(report.summary())
    return store, report


def _checkpoint(index: Path, embedder: Embedder) -> VectorCheckpoint:
    path = checkpoint_path(index, embedder.id, getattr(embedder, "version", ""), embedder.dim)
    return VectorCheckpoint(path, embedder.dim)


def open_store(
    docs: Path, index: Path, embedder: str, *, refresh: bool, progress: bool
) -> tuple[Store, Embedder]:
    """The index in ``index`` and its embedder; the index is built first if there is none
    and refreshed if ``docs`` changed (when ``refresh``), within :data:`ASK_REFRESH_LIMIT`."""
    check_embedder_name(embedder)
    check_index_folder(index)
    store = Store.load(index) if (index / MANIFEST).exists() else None
    if store is not None:
        store.check_embedder(embedder)  # before the (slow) model load
    model = load_embedder(embedder)
    if store is None:
        if not docs.is_dir():
            raise IndexStateError(
                f"no index in {index} and no documents in {docs} to build one from",
                "index_missing",
            )
        log.warning("no index in %s yet: building it from %s", index, docs)
        with build_lock(index, timeout=-1):
            return _build(docs, index, model, _current(index, False), False, progress)[0], model
    try:
        if not (refresh and is_stale(docs, store.manifest)):
            return store, model
        return _refresh(docs, index, model, store, progress), model
    except QabotError as exc:
        log.warning("%s; answering from the index built %s", exc, store.manifest.built_at)
        return store, model


def _refresh(docs: Path, index: Path, model: Embedder, store: Store, progress: bool) -> Store:
    """A small change is embedded now; a large one, or a build already running, is not."""
    try:
        with build_lock(index, timeout=0):
            current = _current(index, False) or store
            plan = _plan(docs)
            if current.manifest.corpus_hash == plan.fingerprint[0]:
                return current  # another process refreshed it meanwhile
            todo = pending(plan.chunks, reusable_vectors(current, model, _checkpoint(index, model)))
            if todo > ASK_REFRESH_LIMIT:
                log.warning(
                    "the documents changed and %d passages need embedding (about %d min): "
                    "answering from the index built %s; run `qabot index` to refresh it",
                    todo,
                    max(1, round(todo * 0.15 / 60)),
                    current.manifest.built_at,
                )
                return current
            log.warning("the documents changed: refreshing the index (%d passages)", todo)
            return _build(docs, index, model, current, False, progress, plan)[0]
    except filelock.Timeout:
        log.warning(
            "another build of %s is running: answering from the index built %s",
            index,
            store.manifest.built_at,
        )
        return store
