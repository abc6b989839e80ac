"""Building and refreshing the index: documents → chunks → vectors + BM25 → a new generation.

Kept apart from :class:`qabot.Engine` so that opening an index for questions never writes
anything: ``Engine.load`` only reads, and whoever wants the index rebuilt (``qabot index``,
or ``qabot ask`` through ``Engine.open``) calls :func:`build` explicitly.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from tqdm import tqdm

from qabot.backend import ChunkStore, StoreSpec, open_existing, parse_store, write_generation
from qabot.corpus import CATALOG_NAME, PIPELINE_VERSION, list_sources, load_corpus
from qabot.districts import Gazetteer
from qabot.embed_pool import check_workers
from qabot.embedders import DEFAULT_EMBEDDER, Embedder, check_embedder_name, load_embedder
from qabot.errors import CorpusError, IndexStateError
from qabot.lexical import Tokenizer, tokenizer_signature
from qabot.store import BuildReport, Manifest

log = logging.getLogger(__name__)


def corpus_hash(docs_dir: Path) -> tuple[str, dict[str, str]]:
    """Fingerprint of the documents, the catalog and the pipeline, plus per-file hashes."""
    digest = hashlib.sha256(f"pipeline={PIPELINE_VERSION};tokens={tokenizer_signature()}".encode())
    files: dict[str, str] = {}
    catalog = docs_dir / CATALOG_NAME
    paths = [*list_sources(docs_dir), *([catalog] if catalog.exists() else [])]
    for path in paths:
        files[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
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
    previous: ChunkStore | None = None,
    store: str | None = None,
    workers: int = 1,
) -> BuildReport:
    """Build or refresh the index in ``index`` from the documents in ``docs``.

    Only chunks whose text changed are embedded again (vectors are reused from the current
    index by content hash); ``force=True`` re-embeds everything. ``progress`` draws a bar
    on a terminal. The new generation is committed atomically (see :mod:`qabot.store`).
    ``store`` is a ``--store`` value (:mod:`qabot.backend`; default: the FAISS files);
    ``workers`` > 1 embeds in that many processes (:mod:`qabot.embed_pool`).
    """
    docs, index, spec = Path(docs), Path(index), parse_store(store)
    check_workers(workers)
    if not docs.is_dir():
        raise CorpusError(
            f"document folder {docs} does not exist (set --docs or QABOT_DOCS)", "docs_missing"
        )
    model = load_embedder(embedder) if isinstance(embedder, str) else embedder
    if previous is None and not force:
        try:
            previous = open_existing(spec, index)
        except IndexStateError as exc:
            if exc.reason == "store_unreachable":
                raise
            log.warning("rebuilding from scratch: %s", exc)
    if force:
        previous = None
    return _build(docs, index, model, previous, progress, spec, workers, force)[1]


def _build(
    docs: Path,
    index: Path,
    embedder: Embedder,
    previous: ChunkStore | None,
    progress: bool,
    spec: StoreSpec,
    workers: int = 1,
    force: bool = False,
) -> tuple[ChunkStore, BuildReport]:
    corpus = load_corpus(docs)
    chunks = corpus.chunks()
    gazetteer = Gazetteer((c.district, c.city) for c in chunks)
    fingerprint = corpus_hash(docs)
    with tqdm(
        total=len(chunks),
        desc="embedding",
        unit="chunk",
        disable=None if progress else True,
        leave=False,
    ) as bar:
        store, report = write_generation(
            spec,
            chunks,
            embedder,
            index,
            fingerprint,
            Tokenizer(gazetteer.names),
            previous=previous,
            progress=bar.update,
            problems=corpus.problems,
            workers=workers,
            force=force,
        )
    log.info(report.summary())
    return store, report


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
    first if there is none and refreshed if ``docs`` changed (when ``refresh``)."""
    check_embedder_name(embedder)
    spec = parse_store(store)
    current = open_existing(spec, index)
    if current is not None:
        current.check_embedder(embedder)  # before the (slow) model load
    model = load_embedder(embedder)
    if current is not None and not (refresh and is_stale(docs, current.manifest)):
        return current, model
    where = index if spec.kind == "faiss" else spec.describe()
    if current is None and not docs.is_dir():
        raise IndexStateError(
            f"no index in {where} and no documents in {docs} to build one from", "index_missing"
        )
    log.info("index %s: building from %s", "missing" if current is None else "stale", docs)
    return _build(docs, index, model, current, progress, spec)[0], model
