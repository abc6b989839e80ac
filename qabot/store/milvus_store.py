"""The index in Milvus: Milvus Lite (a local ``.db`` file) or a Milvus server or cluster.

One collection per index generation, ``qabot_<gen>`` (``<gen>``: the corpus hash and a unique
suffix, as for the FAISS files). A build fills the new collection batch by batch, each batch
checkpointed and upserted as soon as it is embedded, so a killed build resumes where it
stopped (from the checkpoint, :mod:`qabot.store.checkpoint`); only when every chunk is in does it
switch the pointer to it (the commit point, like replacing ``manifest.json``) and drop the
older generations (:mod:`qabot.store.milvus_build`). Readers
follow the pointer: a Milvus alias on a server, a one-row pointer in ``qabot_meta`` as well
(Milvus Lite 2.5 has no alias RPCs), so a half-built collection is never served.

Each row holds the chunk (JSON), its vector, ``district`` (a plain indexed scalar: Lite 2.5
cannot filter on a partition key), and qabot's own jieba tokens space-joined into a
``standard``-analyzer field that a BM25 ``Function`` turns into a sparse vector. Tokenising in
qabot keeps Lite and the server identical (their Chinese analyzers differ by version).
Dense and lexical candidates come from two filtered searches, fused by the retriever.
``qabot_meta`` also holds each generation's manifest, document list, bylines and BM25 document
frequencies (for the no-answer rule's IDF weights), so the process keeps no corpus-sized state.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np

from qabot.errors import IndexStateError
from qabot.store import lite_file
from qabot.store.manifest import FORMAT_VERSION, Manifest
from qabot.store.protocol import StoreSpec
from qabot.types import Chunk, DocumentInfo

log = logging.getLogger(__name__)

PREFIX = "qabot"
META = f"{PREFIX}_meta"
ALIAS = PREFIX
POINTER = "current"
MAX_VARCHAR = 65_535
REBUILD = "rebuild it with `qabot index --store …`"
#: Seconds a read may take, retries included. pymilvus otherwise retries an unreachable server
#: 75 times (3.5 min: a Milvus Lite server that died held a question that long); it honours
#: only a whole number here.
CALL_TIMEOUT = 10
DF_PAGE = 500  # document frequencies asked in one query (a filter of 500 keys)
BM25_PARAMS = {"bm25_k1": 1.5, "bm25_b": 0.75}  # bm25s's defaults, as in the FAISS store
T = TypeVar("T")


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
    lite = spec.kind == "milvus-lite"
    if lite:
        lite_file.hold(spec.uri)
        lite_file.check_intact(spec.uri)
    try:
        with lite_file.own_scratch() if lite else contextlib.nullcontext():
            return MilvusClient(uri=spec.uri, token=spec.token, timeout=10)
    except Exception as exc:
        raise IndexStateError(
            f"cannot reach Milvus at {spec.uri}: {first_line(exc)} "
            "(check --store / QABOT_STORE, that the server runs, and QABOT_MILVUS_TOKEN)",
            "store_unreachable",
        ) from exc


def answering(method: Callable[..., T]) -> Callable[..., T]:
    """A query failing inside Milvus (another process wrote to a Lite file, a server went
    away) is an index problem — exit 3, HTTP 503 — not an internal error."""

    @functools.wraps(method)
    def guarded(self: MilvusStore, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            if not type(exc).__module__.startswith(("pymilvus", "grpc")):
                raise
            raise IndexStateError(
                f"the Milvus index at {self.spec.uri} failed while answering "
                f"({first_line(exc)}): check that no other process writes to it, or {REBUILD}",
                "store_failed",
            ) from exc

    return guarded


def first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc or type(exc).__name__)
    return text.strip().splitlines()[0][:200] if text.strip() else type(exc).__name__


def in_filter(field: str, values: Iterable[Any]) -> str:
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
            current = meta_value(client, POINTER)
            if current is None:
                return None
            raw = meta_value(client, f"{current}:manifest")
            if raw is None:
                raise IndexStateError(
                    f"the Milvus index at {spec.uri} has no manifest for {current}: {REBUILD}",
                    "index_corrupt",
                )
            data = json.loads(raw)
            manifest = Manifest(
                **{k: v for k, v in data.items() if k in Manifest.__dataclass_fields__}
            )
            client.load_collection(current)
        except IndexStateError:
            raise
        except Exception as exc:
            if spec.kind == "milvus-lite":  # SQLite found the file sound: its content is not
                client.close()  # pymilvus would hand the next client this connection
                raise lite_file.damaged(spec.uri, first_line(exc)) from exc
            raise IndexStateError(
                f"the Milvus index at {spec.uri} cannot be read ({first_line(exc)}): {REBUILD}",
                "index_corrupt",
            ) from exc
        if manifest.format_version != FORMAT_VERSION:
            raise IndexStateError(
                f"the Milvus index at {spec.uri} has format {manifest.format_version}, this "
                f"qabot reads {FORMAT_VERSION}: {REBUILD}",
                "index_format",
            )
        return cls(client, spec, manifest)

    # ------------------------------------------------------------------ ChunkStore

    @property
    def size(self) -> int:
        return self.manifest.chunks

    def check_embedder(self, embedder_id: str) -> None:
        self.manifest.check_embedder(embedder_id, "qabot index --store …")

    @answering
    def _search(
        self, data: list[Any], field: str, metric: str, depth: int, districts: Sequence[str]
    ) -> dict[int, float]:
        result = self.client.search(
            self.target,
            data=data,
            anns_field=field,
            limit=depth,
            filter=in_filter("district", districts) if districts else "",
            output_fields=["seq"],
            search_params={"metric_type": metric},
            timeout=CALL_TIMEOUT,
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

    @answering
    def chunks_at(self, positions: Iterable[int]) -> dict[int, Chunk]:
        wanted = list(positions)
        if not wanted:
            return {}
        rows = self.client.query(
            self.target,
            filter=in_filter("seq", wanted),
            output_fields=["seq", "chunk"],
            timeout=CALL_TIMEOUT,
        )
        return {int(row["seq"]): Chunk.from_dict(row["chunk"]) for row in rows}

    @answering
    def _fetch_doc_freqs(self, tokens: Iterable[str]) -> None:
        """How many chunks hold each of ``tokens`` (stored at build time), cached: the ones
        not cached yet in one query per :data:`DF_PAGE` tokens, not a round trip each (an
        English question checks dozens of dictionary words)."""
        missing = list(dict.fromkeys(t for t in tokens if t not in self._df))
        prefix = f"{self._gen}:df:"
        for start in range(0, len(missing), DF_PAGE):
            page = missing[start : start + DF_PAGE]
            rows = self.client.query(
                META,
                filter=in_filter("key", [prefix + t for t in page]),
                output_fields=["key", "count"],
                timeout=CALL_TIMEOUT,
            )
            found = {row["key"][len(prefix) :]: int(row["count"]) for row in rows}
            self._df.update((t, found.get(t, 0)) for t in page)

    def known(self, tokens: Iterable[str]) -> set[str]:
        tokens = list(tokens)
        self._fetch_doc_freqs(tokens)
        return {t for t in tokens if self._df[t] > 0}

    def idf(self, token: str) -> float:
        return self.idfs([token])[token]

    def idfs(self, tokens: Iterable[str]) -> dict[str, float]:
        """BM25 IDF as bm25s computes it, from the document frequencies stored at build."""
        tokens = list(tokens)
        self._fetch_doc_freqs(tokens)
        n = self.size
        return {t: math.log((n - self._df[t] + 0.5) / (self._df[t] + 0.5) + 1.0) for t in tokens}

    def iter_chunks(self) -> Iterator[Chunk]:
        """Every chunk, in corpus order, fetched page by page (a whole-index scan)."""
        for start in range(0, self.size, 1000):
            page = self.chunks_at(range(start, min(start + 1000, self.size)))
            yield from (page[i] for i in sorted(page))

    @answering
    def paragraph_chunks(self, chunk_id: str) -> list[Chunk]:
        rows = self.client.query(
            self.target,
            filter=in_filter("id", [chunk_id]),
            output_fields=["doc_id", "paragraph"],
            timeout=CALL_TIMEOUT,
        )
        if not rows:
            return []
        doc, paragraph = rows[0]["doc_id"], int(rows[0]["paragraph"])
        expr = f"{in_filter('doc_id', [doc])} and paragraph == {paragraph}"
        pieces = self.client.query(
            self.target, filter=expr, output_fields=["seq", "chunk"], timeout=CALL_TIMEOUT
        )
        return [Chunk.from_dict(r["chunk"]) for r in sorted(pieces, key=lambda r: r["seq"])]

    def documents(self) -> list[DocumentInfo]:
        return [DocumentInfo(**d) for d in self._paged("documents")]

    def bylines(self) -> list[Chunk]:
        """The bylines (a generation built before they were kept has none)."""
        return [Chunk.from_dict(c) for c in self._paged("bylines")]

    @answering
    def _paged(self, kind: str) -> list[dict[str, Any]]:
        """The items stored in pages under ``<gen>:<kind>`` in ``qabot_meta``, in order."""
        pages = meta_row(self.client, f"{self._gen}:{kind}")
        keys = [f"{self._gen}:{kind}:{n}" for n in range(int(pages["count"]) if pages else 0)]
        if not keys:
            return []
        fields = ["key", "value"]
        rows = self.client.query(
            META, filter=in_filter("key", keys), output_fields=fields, timeout=CALL_TIMEOUT
        )
        order = {key: n for n, key in enumerate(keys)}
        rows.sort(key=lambda row: order[row["key"]])
        return [item for row in rows for item in json.loads(row["value"])]

    def vectors_for(self, keys: Sequence[str]) -> dict[str, list[float]]:
        """Stored vectors by content hash (for reuse by the next build)."""
        return _vectors_for(self.client, self._gen, keys)


# ---------------------------------------------------------------------- the meta collection


def meta_row(client: Any, key: str) -> dict[str, Any] | None:
    rows = client.query(
        META, filter=in_filter("key", [key]), output_fields=["value", "count"], timeout=CALL_TIMEOUT
    )
    return rows[0] if rows else None


def meta_value(client: Any, key: str) -> str | None:
    row = meta_row(client, key)
    return None if row is None else row["value"]


def _vectors_for(client: Any, collection: str, keys: Sequence[str]) -> dict[str, list[float]]:
    rows = client.query(
        collection, filter=in_filter("text_key", set(keys)), output_fields=["text_key", "vector"]
    )
    return {row["text_key"]: row["vector"] for row in rows}
