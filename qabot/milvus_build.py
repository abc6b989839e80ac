"""Building an index generation in Milvus (see :mod:`qabot.milvus_store` for the layout).

A build creates ``qabot_<gen>``, upserts the chunks window by window — skipping rows an
interrupted build already wrote, reusing vectors by content hash, embedding the rest batch by
batch and writing each batch as it finishes — checks the row count, stores the manifest,
document list and BM25 document frequencies in ``qabot_meta``, and only then moves the
pointer (the commit point) and drops the older generations.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np

from qabot.backend import ChunkStore, StoreSpec
from qabot.embed_pool import EmbedPool
from qabot.embedders import Embedder
from qabot.errors import IndexStateError
from qabot.lexical import Tokenizer
from qabot.milvus_store import (
    ALIAS,
    BM25_PARAMS,
    MAX_VARCHAR,
    META,
    POINTER,
    PREFIX,
    MilvusStore,
    connect,
    first_line,
    in_filter,
    meta_value,
)
from qabot.store import EMBED_BATCH, BuildReport, Manifest, generation_id, text_key
from qabot.types import Chunk, summarise_documents

log = logging.getLogger(__name__)

WINDOW = 256  # chunks looked up (already written? reusable?) per round trip
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


def _meta(key: str, gen: str, value: str = "", count: int = 0) -> dict:
    """A ``qabot_meta`` row; keys of a generation's rows start with its collection name."""
    return {"key": key, "gen": gen, "value": value, "count": count, "vector": [0.0, 0.0]}


def _document_pages(chunks: list[Chunk], limit: int = MAX_VARCHAR // 2) -> list[str]:
    """The document list as JSON arrays that each fit one VARCHAR value."""
    pages: list[list[dict]] = [[]]
    size = 0
    for info in summarise_documents(chunks):
        item = asdict(info)
        length = len(json.dumps(item, ensure_ascii=False).encode("utf-8"))
        if pages[-1] and size + length > limit:
            pages.append([])
            size = 0
        pages[-1].append(item)
        size += length + 1
    return [json.dumps(page, ensure_ascii=False) for page in pages]


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


def build_collection(
    spec: StoreSpec,
    chunks: list[Chunk],
    embedder: Embedder,
    fingerprint: tuple[str, dict[str, str]],
    tokenizer: Tokenizer,
    previous: ChunkStore | None,
    progress: Callable[[int], None] | None = None,
    problems: list[str] | None = None,
    workers: int = 1,
    force: bool = False,
) -> tuple[MilvusStore, BuildReport]:
    """Write the generation for ``chunks`` (resuming a killed build), then commit it.
    ``force`` starts an unfinished generation afresh (a served one is never dropped)."""
    started = time.perf_counter()
    client = connect(spec)
    gen = generation_id(fingerprint[0], embedder.id)
    name = f"{PREFIX}_{gen}"
    reusable = previous
    if previous is not None and previous.manifest.embedder != embedder.id:
        reusable = None
    try:
        _ensure_meta(client)
        if force and client.has_collection(name) and meta_value(client, POINTER) != name:
            client.drop_collection(name)
        if not client.has_collection(name):
            create_generation(client, name, embedder.dim, VECTOR_INDEX[spec.kind])
        client.load_collection(name)
        with EmbedPool(embedder, workers) as pool:
            written, reused, embedded = _fill(
                client, name, chunks, pool, tokenizer, reusable, progress
            )
        manifest = _commit(client, spec, name, chunks, embedder, fingerprint, tokenizer)
    except IndexStateError:
        raise
    except Exception as exc:
        raise IndexStateError(
            f"building the Milvus index at {spec.uri} failed: {first_line(exc)}"
        ) from exc
    report = BuildReport(
        chunks=len(chunks),
        embedded=embedded,
        reused=reused + written,
        removed=max(0, previous.size - reused) if isinstance(previous, MilvusStore) else 0,
        documents=len({c.doc_id for c in chunks}),
        seconds=time.perf_counter() - started,
        problems=problems or [],
    )
    return MilvusStore(client, spec, manifest), report


def _fill(
    client: Any,
    name: str,
    chunks: list[Chunk],
    pool: EmbedPool,
    tokenizer: Tokenizer,
    previous: ChunkStore | None,
    progress: Callable[[int], None] | None,
) -> tuple[int, int, int]:
    """Upsert every chunk missing from ``name``: (already there, reused, embedded)."""
    counts = [0, 0, 0]
    for start in range(0, len(chunks), WINDOW):
        window = list(range(start, min(start + WINDOW, len(chunks))))
        keys = {i: text_key(chunks[i]) for i in window}
        present = client.query(
            name, filter=in_filter("seq", window), output_fields=["seq", "text_key"]
        )
        done = {int(r["seq"]) for r in present if r["text_key"] == keys[int(r["seq"])]}
        todo = [i for i in window if i not in done]
        counts[0] += len(done)
        if progress and done:
            progress(len(done))
        old = previous.vectors_for([keys[i] for i in todo]) if previous is not None and todo else {}
        fresh = [i for i in todo if keys[i] not in old]
        if todo != fresh:
            reuse = [i for i in todo if keys[i] in old]
            client.upsert(
                name, [_row(chunks[i], i, keys[i], old[keys[i]], tokenizer) for i in reuse]
            )
            counts[1] += len(reuse)
            if progress:
                progress(len(reuse))
        batches = [fresh[at : at + EMBED_BATCH] for at in range(0, len(fresh), EMBED_BATCH)]
        texts = ([chunks[i].embed_text() for i in batch] for batch in batches)
        for batch, vectors in zip(batches, pool.map(texts), strict=True):
            rows = [
                _row(chunks[i], i, keys[i], v, tokenizer)
                for i, v in zip(batch, vectors, strict=True)
            ]
            client.upsert(name, rows)  # written as it finishes: a killed build resumes here
            counts[2] += len(batch)
            if progress:
                progress(len(batch))
    stale = client.query(name, filter=f"seq >= {len(chunks)}", output_fields=["id"])
    if stale:  # rows of an interrupted build whose chunk list differed: cannot happen per gen,
        client.delete(name, ids=[r["id"] for r in stale])  # but never serve them
    return counts[0], counts[1], counts[2]


def _row(chunk: Chunk, seq: int, key: str, vector: Sequence[float], tokenizer: Tokenizer) -> dict:
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


def _commit(
    client: Any,
    spec: StoreSpec,
    name: str,
    chunks: list[Chunk],
    embedder: Embedder,
    fingerprint: tuple[str, dict[str, str]],
    tokenizer: Tokenizer,
) -> Manifest:
    """Check the collection is complete, store its manifest, swap the pointer, drop the rest."""
    client.flush(name)
    count = client.query(name, filter="", output_fields=["count(*)"])[0]["count(*)"]
    if count != len(chunks):
        raise IndexStateError(f"collection {name} holds {count} rows, expected {len(chunks)}")
    index_type = f"milvus {VECTOR_INDEX[spec.kind]}/IP + BM25"
    manifest = Manifest.describe(chunks, embedder, fingerprint, index_type, {"collection": name})
    df = Counter(t for c in chunks for t in set(tokenizer.tokenize(c.embed_text())))
    rows = [_meta(f"{name}:df:{t}", name, count=n) for t, n in df.items() if len(t) < 900]
    pages = _document_pages(chunks)
    rows += [_meta(f"{name}:documents:{n}", name, page) for n, page in enumerate(pages)]
    rows.append(_meta(f"{name}:documents", name, count=len(pages)))
    meta = json.dumps(asdict(manifest), ensure_ascii=False)
    if len(meta.encode("utf-8")) > MAX_VARCHAR:  # per-file hashes of a huge corpus: not needed
        meta = json.dumps({**asdict(manifest), "documents": {}}, ensure_ascii=False)
    rows.append(_meta(f"{name}:manifest", name, meta))
    for start in range(0, len(rows), 1000):
        client.upsert(META, rows[start : start + 1000])
    _point_to(client, spec, name)  # the commit point
    for other in client.list_collections():
        if other not in (name, META) and other.startswith(f"{PREFIX}_"):
            client.drop_collection(other)
            log.info("dropped old generation %s", other)
    client.delete(META, filter=f'gen != "{name}" and key != "{POINTER}"')
    return manifest


def _point_to(client: Any, spec: StoreSpec, name: str) -> None:
    """Make ``name`` the served generation: alias (server) and pointer row (everywhere)."""
    if spec.kind == "milvus":
        if ALIAS in client.list_aliases().get("aliases", []):
            client.alter_alias(name, ALIAS)
        else:
            client.create_alias(name, ALIAS)
    client.upsert(META, [_meta(POINTER, "", name)])
