"""Building an index generation in Milvus (see :mod:`qabot.store.milvus_store` for the layout).

A build creates ``qabot_<gen>`` (a new, unique generation), upserts the chunks whose vectors
it can reuse (previous generation, FAISS index, checkpoint of a killed build: see
:mod:`qabot.store.embed_pool`), embeds the rest batch by batch — each batch checkpointed in the
``--index`` folder, then upserted — checks the row count, stores the manifest, document list,
bylines and BM25 document frequencies in ``qabot_meta``, and only then moves the pointer (the commit
point) and drops the older generations, a killed build's half-filled one included.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import numpy as np

from qabot.errors import IndexStateError
from qabot.lexical import Tokenizer
from qabot.store.checkpoint import checkpoint_saver
from qabot.store.embed_pool import BuildJob, embed_missing, text_key
from qabot.store.manifest import Manifest, new_generation
from qabot.store.milvus_store import (
    ALIAS,
    BM25_PARAMS,
    MAX_VARCHAR,
    META,
    POINTER,
    PREFIX,
    MilvusStore,
    connect,
    first_line,
)
from qabot.store.protocol import StoreSpec
from qabot.types import Chunk, summarise_documents

log = logging.getLogger(__name__)

WINDOW = 256  # reused chunks upserted per round trip
# Milvus Lite's AUTOINDEX is IVF_FLAT once a segment is sealed: recall@10 0.19 at 100k random
# vectors (scripts/bench.py --milvus). Lite gets exact FLAT, like the FAISS store below 200k;
# a server's AUTOINDEX (HNSW) is left to the server.
VECTOR_INDEX = {"milvus-lite": "FLAT", "milvus": "AUTOINDEX"}


def _ensure_meta(client: Any) -> None:
    from pymilvus import DataType

    if client.has_collection(META):
        client.load_collection(META)
        return
    schema = client.create_schema(auto_id=False)
    schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=1024)
    schema.add_field("gen", DataType.VARCHAR, max_length=128)
    schema.add_field("value", DataType.VARCHAR, max_length=MAX_VARCHAR)
    schema.add_field("count", DataType.INT64)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=2)  # Milvus requires one
    index = client.prepare_index_params()
    index.add_index("vector", index_type="FLAT", metric_type="L2")
    index.add_index("gen", index_type="INVERTED")
    client.create_collection(META, schema=schema, index_params=index, consistency_level="Strong")


def _meta(key: str, gen: str, value: str = "", count: int = 0) -> dict[str, Any]:
    """A ``qabot_meta`` row; keys of a generation's rows start with its collection name."""
    return {"key": key, "gen": gen, "value": value, "count": count, "vector": [0.0, 0.0]}


def _pages(items: list[dict[str, Any]], limit: int = MAX_VARCHAR // 2) -> list[str]:
    """``items`` (the document list, the bylines) as JSON arrays that each fit one VARCHAR
    value."""
    pages: list[list[dict[str, Any]]] = [[]]
    size = 0
    for item in items:
        length = len(json.dumps(item, ensure_ascii=False).encode("utf-8"))
        if pages[-1] and size + length > limit:
            pages.append([])
            size = 0
        pages[-1].append(item)
        size += length + 1
    return [json.dumps(page, ensure_ascii=False) for page in pages]


def _paged(name: str, kind: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``qabot_meta`` rows of ``items`` under ``<name>:<kind>``: pages and their count."""
    pages = _pages(items)
    rows = [_meta(f"{name}:{kind}:{n}", name, page) for n, page in enumerate(pages)]
    return [*rows, _meta(f"{name}:{kind}", name, count=len(pages))]


def create_generation(client: Any, name: str, dim: int, vector_index: str) -> None:
    from pymilvus import DataType, Function, FunctionType

    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=1024)
    schema.add_field("seq", DataType.INT64)
    schema.add_field("doc_id", DataType.VARCHAR, max_length=1024)
    schema.add_field("paragraph", DataType.INT64)
    schema.add_field("district", DataType.VARCHAR, max_length=256)
    schema.add_field("text_key", DataType.VARCHAR, max_length=64)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field(
        "tokens",
        DataType.VARCHAR,
        max_length=MAX_VARCHAR,
        enable_analyzer=True,
        analyzer_params={"type": "standard"},
    )
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("chunk", DataType.JSON)
    schema.add_function(
        Function(
            name="bm25",
            function_type=FunctionType.BM25,
            input_field_names=["tokens"],
            output_field_names=["sparse"],
        )
    )
    index = client.prepare_index_params()
    index.add_index("vector", index_type=vector_index, metric_type="IP")
    index.add_index(
        "sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params=BM25_PARAMS
    )
    for scalar in ("seq", "doc_id", "district", "text_key"):
        index.add_index(scalar, index_type="INVERTED")
    client.create_collection(name, schema=schema, index_params=index, consistency_level="Strong")


def _joined(tokens: list[str]) -> str:
    """Space-joined tokens, cut at a token boundary to fit a VARCHAR field (bytes)."""
    text = " ".join(tokens)
    while len(text.encode("utf-8")) > MAX_VARCHAR:
        text = text[: text.rfind(" ", 0, len(text) * 9 // 10)]
    return text


def build_collection(spec: StoreSpec, job: BuildJob) -> tuple[MilvusStore, int]:
    """Write a new generation for ``chunks`` and commit it; returns it and how many chunks
    were embedded. The caller holds the build lock of ``index_dir`` (the checkpoint's home)."""
    client = connect(spec)
    gen = new_generation(job.fingerprint[0])
    name = f"{PREFIX}_{gen.replace('-', '_')}"  # collection names allow no "-"
    try:
        _ensure_meta(client)
        create_generation(client, name, job.embedder.dim, VECTOR_INDEX[spec.kind])
        client.load_collection(name)
        save = checkpoint_saver(job.index_dir, job.checkpoint)
        embedded = _fill(client, name, job, save)
        manifest = _commit(client, spec, name, gen, job)
    except IndexStateError:
        raise
    except Exception as exc:
        raise IndexStateError(
            f"building the Milvus index at {spec.uri} failed: {first_line(exc)}; "
            "the previous index is unchanged",
            "index_write_failed",
        ) from exc
    if job.checkpoint is not None:
        job.checkpoint.discard()
    return MilvusStore(client, spec, manifest), embedded


def _fill(
    client: Any, name: str, job: BuildJob, save: Callable[[list[str], np.ndarray], None] | None
) -> int:
    """Upsert every chunk into ``name``: reused vectors first, then each embedded batch as
    it finishes. Returns how many chunks were embedded."""
    chunks, reuse, tokenizer = job.chunks, job.reuse, job.tokenizer
    keys = [text_key(c) for c in chunks]
    known = [i for i, key in enumerate(keys) if key in reuse]
    for start in range(0, len(known), WINDOW):
        window = known[start : start + WINDOW]
        client.upsert(
            name, [_row(chunks[i], i, keys[i], reuse[keys[i]], tokenizer) for i in window]
        )
    embedded = 0
    for batch, vectors in embed_missing(
        chunks, reuse, job.embedder, job.workers, save, job.progress
    ):
        rows = [
            _row(chunks[i], i, keys[i], v, tokenizer) for i, v in zip(batch, vectors, strict=True)
        ]
        client.upsert(name, rows)
        embedded += len(batch)
    return embedded


def _row(
    chunk: Chunk, seq: int, key: str, vector: np.ndarray, tokenizer: Tokenizer
) -> dict[str, Any]:
    return {
        "id": chunk.id,
        "seq": seq,
        "doc_id": chunk.doc_id,
        "paragraph": chunk.paragraph,
        "district": chunk.district,
        "text_key": key,
        "vector": np.asarray(vector, dtype=np.float32).tolist(),
        "tokens": _joined(tokenizer.tokenize(chunk.embed_text())),
        "chunk": chunk.to_dict(),
    }


def _commit(client: Any, spec: StoreSpec, name: str, gen: str, job: BuildJob) -> Manifest:
    """Check the collection is complete, store its manifest, swap the pointer, drop the rest."""
    chunks = job.chunks
    client.flush(name)
    count = client.query(name, filter="", output_fields=["count(*)"])[0]["count(*)"]
    if count != len(chunks):
        raise IndexStateError(
            f"collection {name} holds {count} rows, expected {len(chunks)}; "
            "the previous index is unchanged",
            "index_write_failed",
        )
    index_type = f"milvus {VECTOR_INDEX[spec.kind]}/IP + BM25"
    files = {"collection": name}
    manifest = Manifest.describe(chunks, job.embedder, job.fingerprint, index_type, files, gen)
    df = Counter(t for c in chunks for t in set(job.tokenizer.tokenize(c.embed_text())))
    rows = [_meta(f"{name}:df:{t}", name, count=n) for t, n in df.items() if len(t) < 900]
    rows += _paged(name, "documents", [asdict(d) for d in summarise_documents(chunks)])
    rows += _paged(name, "bylines", [c.to_dict() for c in job.bylines])
    meta = json.dumps(asdict(manifest), ensure_ascii=False)
    if len(meta.encode("utf-8")) > MAX_VARCHAR:  # per-file hashes of a huge corpus: not needed
        meta = json.dumps({**asdict(manifest), "documents": {}}, ensure_ascii=False)
    rows.append(_meta(f"{name}:manifest", name, meta))
    for start in range(0, len(rows), 1000):
        client.upsert(META, rows[start : start + 1000])
    _point_to(client, spec, name)  # the commit point
    try:
        _drop_others(client, name)
    except Exception as exc:  # committed all the same: the next build drops them
        log.warning("could not drop the older generations: %s", first_line(exc))
    return manifest


def _drop_others(client: Any, name: str) -> None:
    """Drop every generation but ``name`` (the replaced one, a killed build's half-filled one)
    and their rows in ``qabot_meta``."""
    for other in client.list_collections():
        if other not in (name, META) and other.startswith(f"{PREFIX}_"):
            client.drop_collection(other)
            log.info("dropped old generation %s", other)
    client.delete(META, filter=f'gen != "{name}" and key != "{POINTER}"')


def _point_to(client: Any, spec: StoreSpec, name: str) -> None:
    """Make ``name`` the served generation: alias (server) and pointer row (everywhere)."""
    if spec.kind == "milvus":
        if ALIAS in client.list_aliases().get("aliases", []):
            client.alter_alias(name, ALIAS)
        else:
            client.create_alias(name, ALIAS)
    client.upsert(META, [_meta(POINTER, "", name)])
