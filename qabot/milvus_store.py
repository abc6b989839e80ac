"""The index in Milvus: Milvus Lite (a local ``.db`` file) or a Milvus server or cluster.

One collection per index generation, ``qabot_<gen>`` (``<gen>`` derives from the corpus and
the embedder, as for the FAISS files). A build fills the new collection batch by batch, each
batch upserted as soon as it is embedded, so a killed build resumes where it stopped; only
when every chunk is in does it switch the pointer to it (the commit point, like replacing
``manifest.json``) and drop the older generations. Readers follow the pointer: a Milvus
alias on a server, a one-row pointer in ``qabot_meta`` as well (Milvus Lite 2.5 has no
alias RPCs), so a half-built collection is never served.

Each row holds the chunk (JSON), its vector, ``district`` (a plain indexed scalar: Lite 2.5
cannot filter on a partition key), and qabot's own jieba tokens space-joined into a
``standard``-analyzer field that a BM25 ``Function`` turns into a sparse vector. Tokenising in
qabot keeps Lite and the server identical (their Chinese analyzers differ by version).
Dense and lexical candidates come from two filtered searches, fused by the retriever.
``qabot_meta`` also holds each generation's manifest, document list and BM25 document
frequencies (for the no-answer rule's IDF weights), so the process keeps no corpus-sized state.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np

from qabot.backend import ChunkStore, StoreSpec
from qabot.embed_pool import EmbedPool
from qabot.embedders import Embedder
from qabot.errors import IndexStateError
from qabot.lexical import Tokenizer
from qabot.store import EMBED_BATCH, FORMAT_VERSION, BuildReport, Manifest, text_key
from qabot.types import Chunk, DocumentInfo, summarise_documents

log = logging.getLogger(__name__)

PREFIX = "qabot"
META = f"{PREFIX}_meta"
ALIAS = PREFIX
POINTER = "current"
WINDOW = 256  # chunks looked up (already written? reusable?) per round trip
MAX_VARCHAR = 65_535
BM25_PARAMS = {"bm25_k1": 1.5, "bm25_b": 0.75}  # bm25s's defaults, as in the FAISS store
# Milvus Lite's AUTOINDEX is IVF_FLAT once a segment is sealed: recall@10 0.19 at 100k random
# vectors (scripts/bench.py --milvus). Lite gets exact FLAT, like the FAISS store below 200k;
# a server's AUTOINDEX (HNSW) is left to the server.
VECTOR_INDEX = {"milvus-lite": "FLAT", "milvus": "AUTOINDEX"}


def connect(spec: StoreSpec) -> Any:
    """A ``MilvusClient`` for ``spec``; one-line :class:`IndexStateError` when impossible."""
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:  # the extra is not installed
        raise IndexStateError(
            f"the Milvus store needs the milvus extra: pip install 'qabot[milvus]' ({exc})",
            "store_unavailable",
        ) from exc
    # pymilvus logs every failed RPC with a traceback; qabot reports them as one line.
    for name in ("pymilvus", "pymilvus.milvus_client"):  # pymilvus configures both itself
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        return MilvusClient(uri=spec.uri, token=spec.token, timeout=10)
    except Exception as exc:
        raise IndexStateError(
            f"cannot reach Milvus at {spec.uri}: {_first_line(exc)} "
            "(check --store / QABOT_STORE, that the server runs, and QABOT_MILVUS_TOKEN)",
            "store_unreachable",
        ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc or type(exc).__name__)
    return text.strip().splitlines()[0][:200] if text.strip() else type(exc).__name__


def _in(field: str, values: Iterable[Any]) -> str:
    """A Milvus ``field in [...]`` filter; JSON string literals are Milvus string literals."""
    return f"{field} in {json.dumps(list(values), ensure_ascii=False)}"


class MilvusStore:
    """The current generation of the index in Milvus (implements ``ChunkStore``)."""

    def __init__(self, client: Any, spec: StoreSpec, manifest: Manifest) -> None:
        self.client = client
        self.spec = spec
        self.manifest = manifest
        # A server's readers query the alias, so they follow a swap made by another process.
        self.target = ALIAS if spec.kind == "milvus" else manifest.files["collection"]
        self._gen = manifest.files["collection"]
        self._df: dict[str, int] = {}

    @classmethod
    def open(cls, spec: StoreSpec) -> MilvusStore | None:
        """The generation the pointer names, or ``None`` if nothing was committed yet."""
        client = connect(spec)
        try:
            if not client.has_collection(META):
                return None
            client.load_collection(META)
            current = _meta_value(client, POINTER)
            if current is None:
                return None
            raw = _meta_value(client, f"{current}:manifest")
            if raw is None:
                raise IndexStateError(
                    f"the Milvus index at {spec.uri} has no manifest for {current}"
                )
            data = json.loads(raw)
            manifest = Manifest(
                **{k: v for k, v in data.items() if k in Manifest.__dataclass_fields__}
            )
            client.load_collection(current)
        except IndexStateError:
            raise
        except Exception as exc:
            raise IndexStateError(
                f"the Milvus index at {spec.uri} cannot be read ({_first_line(exc)}): "
                "rebuild it with `qabot index --store …`"
            ) from exc
        if manifest.format_version != FORMAT_VERSION:
            raise IndexStateError(
                f"the Milvus index at {spec.uri} has format {manifest.format_version}, this "
                f"qabot reads {FORMAT_VERSION}: rebuild it with `qabot index --store …`"
            )
        return cls(client, spec, manifest)

    # ------------------------------------------------------------------ ChunkStore

    @property
    def size(self) -> int:
        return self.manifest.chunks

    def check_embedder(self, embedder_id: str) -> None:
        self.manifest.check_embedder(embedder_id, "qabot index --store …")

    def _search(
        self, data: list, field: str, metric: str, depth: int, districts: Sequence[str]
    ) -> dict[int, float]:
        result = self.client.search(
            self.target,
            data=data,
            anns_field=field,
            limit=depth,
            filter=_in("district", districts) if districts else "",
            output_fields=["seq"],
            search_params={"metric_type": metric},
        )
        return {int(hit["entity"]["seq"]): float(hit["distance"]) for hit in result[0]}

    def dense_search(
        self, vector: np.ndarray, depth: int, districts: Sequence[str] = ()
    ) -> dict[int, float]:
        return self._search([vector.astype(np.float32).tolist()], "vector", "IP", depth, districts)

    def lexical_search(
        self, tokens: list[str], depth: int, districts: Sequence[str] = ()
    ) -> dict[int, float]:
        if not tokens:
            return {}
        found = self._search([" ".join(tokens)], "sparse", "BM25", depth, districts)
        # Milvus's BM25 keeps the (k1 + 1) factor that bm25s (Lucene's variant) drops: same
        # ranking, and with it divided out the same lexical_score as the FAISS store.
        scale = 1.0 + BM25_PARAMS["bm25_k1"]
        return {i: s / scale for i, s in found.items() if s > 0}

    def chunks_at(self, positions: Iterable[int]) -> dict[int, Chunk]:
        wanted = list(positions)
        if not wanted:
            return {}
        rows = self.client.query(
            self.target, filter=_in("seq", wanted), output_fields=["seq", "chunk"]
        )
        return {int(row["seq"]): Chunk.from_dict(row["chunk"]) for row in rows}

    def idf(self, token: str) -> float:
        """BM25 IDF as bm25s computes it, from the document frequencies stored at build."""
        if token not in self._df:
            value = _meta_row(self.client, f"{self._gen}:df:{token}")
            self._df[token] = int(value["count"]) if value else 0
        df = self._df[token]
        return math.log((self.size - df + 0.5) / (df + 0.5) + 1.0)

    def iter_chunks(self) -> Iterator[Chunk]:
        """Every chunk, in corpus order, fetched page by page (a whole-index scan)."""
        for start in range(0, self.size, 1000):
            page = self.chunks_at(range(start, min(start + 1000, self.size)))
            yield from (page[i] for i in sorted(page))

    def paragraph_chunks(self, chunk_id: str) -> list[Chunk]:
        rows = self.client.query(
            self.target, filter=_in("id", [chunk_id]), output_fields=["doc_id", "paragraph"]
        )
        if not rows:
            return []
        expr = f"{_in('doc_id', [rows[0]['doc_id']])} and paragraph == {int(rows[0]['paragraph'])}"
        pieces = self.client.query(self.target, filter=expr, output_fields=["seq", "chunk"])
        return [Chunk.from_dict(r["chunk"]) for r in sorted(pieces, key=lambda r: r["seq"])]

    def documents(self) -> list[DocumentInfo]:
        pages = _meta_row(self.client, f"{self._gen}:documents")
        keys = [f"{self._gen}:documents:{n}" for n in range(int(pages["count"]) if pages else 0)]
        rows = self.client.query(META, filter=_in("key", keys), output_fields=["key", "value"])
        order = {key: n for n, key in enumerate(keys)}
        rows.sort(key=lambda row: order[row["key"]])
        return [DocumentInfo(**d) for row in rows for d in json.loads(row["value"])]

    def vectors_for(self, keys: Sequence[str]) -> dict[str, list[float]]:
        """Stored vectors by content hash (for reuse by the next build)."""
        return _vectors_for(self.client, self._gen, keys)


# ---------------------------------------------------------------------- the meta collection


def _meta_row(client: Any, key: str) -> dict | None:
    rows = client.query(META, filter=_in("key", [key]), output_fields=["value", "count"])
    return rows[0] if rows else None


def _meta_value(client: Any, key: str) -> str | None:
    row = _meta_row(client, key)
    return None if row is None else row["value"]


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


# ---------------------------------------------------------------------- building


def _create_generation(client: Any, name: str, dim: int, vector_index: str) -> None:
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


def _vectors_for(client: Any, collection: str, keys: Sequence[str]) -> dict[str, list[float]]:
    rows = client.query(
        collection, filter=_in("text_key", set(keys)), output_fields=["text_key", "vector"]
    )
    return {row["text_key"]: row["vector"] for row in rows}


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
    corpus_digest, documents = fingerprint
    gen = hashlib.sha256(f"{corpus_digest}|{embedder.id}".encode()).hexdigest()[:12]
    name = f"{PREFIX}_{gen}"
    reusable = previous
    if previous is not None and previous.manifest.embedder != embedder.id:
        reusable = None
    try:
        _ensure_meta(client)
        if force and client.has_collection(name) and _meta_value(client, POINTER) != name:
            client.drop_collection(name)
        if not client.has_collection(name):
            _create_generation(client, name, embedder.dim, VECTOR_INDEX[spec.kind])
        client.load_collection(name)
        with EmbedPool(embedder, workers) as pool:
            written, reused, embedded = _fill(
                client, name, chunks, pool, tokenizer, reusable, progress
            )
        manifest = _commit(
            client, spec, name, chunks, embedder, corpus_digest, documents, tokenizer
        )
    except IndexStateError:
        raise
    except Exception as exc:
        raise IndexStateError(
            f"building the Milvus index at {spec.uri} failed: {_first_line(exc)}"
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
        present = client.query(name, filter=_in("seq", window), output_fields=["seq", "text_key"])
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
    corpus_digest: str,
    documents: dict[str, str],
    tokenizer: Tokenizer,
) -> Manifest:
    """Check the collection is complete, store its manifest, swap the pointer, drop the rest."""
    client.flush(name)
    count = client.query(name, filter="", output_fields=["count(*)"])[0]["count(*)"]
    if count != len(chunks):
        raise IndexStateError(f"collection {name} holds {count} rows, expected {len(chunks)}")
    manifest = Manifest(
        embedder=embedder.id,
        dim=embedder.dim,
        corpus_hash=corpus_digest,
        documents=documents,
        chunks=len(chunks),
        index_type=f"milvus {VECTOR_INDEX[spec.kind]}/IP + BM25",
        files={"collection": name},
        embedder_version=getattr(embedder, "version", ""),
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        districts={c.district: c.city for c in chunks if c.district},
    )
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
