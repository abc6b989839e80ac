"""The question-answering engine every front end shares (CLI, REPL, Telegram, evaluation).

It opens the index (building or refreshing it when the corpus changed), loads the embedder
once, and answers questions: validate → recognise districts → retrieve → decide whether
the documents answer at all → compose the cited answer.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qabot.answer import compose
from qabot.backend import ChunkStore, open_existing, parse_store
from qabot.corpus import SENTENCE_END
from qabot.districts import Gazetteer
from qabot.embedders import DEFAULT_EMBEDDER, Embedder, check_embedder_name, load_embedder
from qabot.errors import IndexStateError, UsageError
from qabot.indexer import open_store
from qabot.lexical import Tokenizer
from qabot.retriever import Retriever, quoted_phrases
from qabot.textnorm import fold_width, is_cjk, match_key, strip_controls, to_simplified
from qabot.types import MODES, Answer, Chunk, Confidence, DocumentInfo, Hit, Mode

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
MAX_K = 50
CONFIDENCE_DEPTH = 3  # passages the no-answer rule looks at
EXAMPLE_QUESTION = "北辰区种了多少亩春小麦？"
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class NoAnswerRule:
    """The documents are taken not to cover a question when the best passages neither match
    enough of its content words (``coverage``) nor come close in meaning (``dense``)."""

    min_coverage: float
    min_dense: float

    def refuses(self, confidence: Confidence) -> bool:
        return confidence.coverage < self.min_coverage and confidence.dense < self.min_dense


# Fitted on tests/data/questions.jsonl (README, "No answer"). Cosine scales differ between
# models, so other embedders fall back to the coverage test alone, set more cautiously.
NO_ANSWER_RULES = {"e5-small": NoAnswerRule(min_coverage=0.64, min_dense=0.894)}
FALLBACK_RULE = NoAnswerRule(min_coverage=0.25, min_dense=float("inf"))


@dataclass(frozen=True)
class Settings:
    docs: Path
    index: Path
    embedder: str
    store: str = "faiss"  # a --store value, see qabot.backend

    @classmethod
    def from_env(
        cls,
        docs: str | None = None,
        index: str | None = None,
        embedder: str | None = None,
        store: str | None = None,
    ) -> Settings:
        """Flags win over ``QABOT_DOCS``/``QABOT_INDEX``/``QABOT_EMBEDDER``/``QABOT_STORE``,
        then defaults."""
        return cls(
            docs=Path(docs or os.environ.get("QABOT_DOCS") or "docs_src"),
            index=Path(index or os.environ.get("QABOT_INDEX") or "embeddings"),
            embedder=embedder or os.environ.get("QABOT_EMBEDDER") or DEFAULT_EMBEDDER,
            store=store or os.environ.get("QABOT_STORE") or "faiss",
        )


def validate_question(question: object) -> str:
    """The question, trimmed and without control characters; :class:`UsageError` (with a
    ``reason``) for anything that cannot be searched: not a string, not valid Unicode
    (undecodable bytes or a lone surrogate), empty, too long, or no letters or digits."""
    if not isinstance(question, str):
        raise UsageError(
            f"the question must be text, not {type(question).__name__}", "bad_question"
        )
    if _SURROGATE.search(question):
        raise UsageError(
            "the question is not valid UTF-8 text (undecodable bytes or a lone surrogate)",
            "bad_encoding",
        )
    question = strip_controls(question).strip()
    if not question:
        raise UsageError(
            f"empty question: ask something, e.g. {EXAMPLE_QUESTION}", "empty_question"
        )
    if len(question) > MAX_QUESTION_CHARS:
        raise UsageError(
            f"question too long ({len(question)} characters, limit {MAX_QUESTION_CHARS}): "
            "ask about one thing at a time",
            "question_too_long",
        )
    if not any(unicodedata.category(ch)[0] in "LN" for ch in question):
        raise UsageError(
            "the question has no words to search for (only symbols or emoji)", "no_words"
        )
    return question


def validate_k(k: int) -> int:
    if not 1 <= k <= MAX_K:
        raise UsageError(f"k must be between 1 and {MAX_K}, not {k}", "bad_k")
    return k


def _is_compound(word: str, words: list[str]) -> bool:
    """True if ``word`` is a concatenation of two or more other words of the list."""
    others = [w for w in words if w != word and len(w) < len(word)]

    def split(rest: str, parts: int) -> bool:
        if not rest:
            return parts >= 2
        return any(rest.startswith(w) and split(rest[len(w) :], parts + 1) for w in others)

    return split(word, 0)


def _has_cjk_or_digit(word: str) -> bool:
    return any(is_cjk(ch) or ch.isdigit() for ch in word)


class Engine:
    """An index, its embedder and the retriever over them: load once, ask many times.

    ``ask`` may be called from several threads at once: the index is only read, and the
    embedder (the one part that is not re-entrant) is called under a lock.
    """

    def __init__(self, store: ChunkStore, embedder: Embedder) -> None:
        self.store = store
        self.embedder = _Serialised(embedder)
        self.gazetteer = Gazetteer(store.manifest.districts.items())
        self.tokenizer = Tokenizer(self.gazetteer.names)
        self.retriever = Retriever(store, self.embedder, self.tokenizer)

    # ------------------------------------------------------------------ opening

    @classmethod
    def load(
        cls, index_dir: Path | str, embedder: str | None = None, store: str | None = None
    ) -> Engine:
        """Open the index in ``index_dir`` (or the ``store`` backend, a ``--store`` value)
        read-only: no build, no progress bar, no writes.

        ``embedder`` defaults to the one the index was built with; another one is refused
        (:class:`IndexStateError`), since its vectors would not be comparable.
        """
        spec = parse_store(store)
        store = open_existing(spec, Path(index_dir))
        if store is None:
            where = index_dir if spec.kind == "faiss" else spec.describe()
            raise IndexStateError(
                f"no index in {where}: run `qabot index` to build it", "index_missing"
            )
        name = embedder or store.manifest.embedder
        check_embedder_name(name)
        store.check_embedder(name)
        return cls(store, load_embedder(name))

    @classmethod
    def open(cls, settings: Settings, refresh: bool = True, progress: bool = True) -> Engine:
        """The CLI's way in: load the index, building it if there is none and refreshing it
        if the corpus changed (``refresh``; a large change only warns, see
        :mod:`qabot.indexer`)."""
        store, embedder = open_store(
            settings.docs,
            settings.index,
            settings.embedder,
            refresh=refresh,
            progress=progress,
            store=settings.store,
        )
        return cls(store, embedder)

    # ------------------------------------------------------------------ catalogue

    @property
    def districts(self) -> list[str]:
        """The districts the index covers, in canonical form (北辰区 …)."""
        return list(self.gazetteer.names)

    def documents(self) -> list[DocumentInfo]:
        """One entry per indexed document, in index order."""
        return self.store.documents()

    def paragraph(self, chunk_id: str) -> tuple[Chunk, str]:
        """The chunk ``chunk_id`` and the whole paragraph it was cut from (pieces joined, the
        sentence each piece repeats from the one before removed)."""
        pieces = self.store.paragraph_chunks(chunk_id)
        target = next((c for c in pieces if c.id == chunk_id), None)
        if target is None:
            raise UsageError(f"no passage {chunk_id!r} in the index", "unknown_passage")
        text = ""
        for piece in pieces:
            overlap = next(
                (
                    n
                    for n in range(min(len(text), len(piece.text)), 0, -1)
                    if piece.text[n - 1] in SENTENCE_END and text.endswith(piece.text[:n])
                ),
                0,
            )
            text += piece.text[overlap:]
        return target, text

    # ------------------------------------------------------------------ answering

    def resolve_district(self, value: object) -> str | None:
        """The canonical name of a district written in any known form (``None``: all);
        :class:`UsageError` for a name the index does not cover."""
        if value is not None and not isinstance(value, str):
            raise UsageError(
                f"the district must be a name, not {type(value).__name__}", "bad_district"
            )
        if value and _SURROGATE.search(value):
            raise UsageError("the district is not valid UTF-8 text", "bad_encoding")
        return self.gazetteer.resolve(value) if value else None

    def ask(
        self,
        question: str,
        k: int = 5,
        district: str | None = None,
        mode: Mode = "hybrid",
        qid: str | None = None,
    ) -> Answer:
        """Answer ``question`` from the index.

        Returns the ``k`` best passages (1–50), the extractive answer copied from them with
        ``[n]`` citations, and ``no_answer`` when the documents do not cover the question.
        ``district`` restricts the search (any known form; ``None``: the districts the
        question names, else all). ``qid`` is echoed as the answer's ``id``.
        Raises :class:`UsageError` (``reason`` says which) for a question or parameter
        that cannot be searched. Safe to call from several threads.
        """
        started = time.perf_counter()
        question = validate_question(question)
        k = validate_k(k)
        if mode not in MODES:
            raise UsageError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}", "bad_mode")
        explicit = self.resolve_district(district)
        query = fold_width(to_simplified(question))
        districts = [explicit] if explicit else self.gazetteer.find(query)
        # The no-answer evidence always looks at the top CONFIDENCE_DEPTH passages (of each
        # compared district), so the decision does not depend on k.
        depth = CONFIDENCE_DEPTH * max(1, len(districts))
        found = self.retriever.search(query, max(k, depth), districts, mode)
        hits = found[:k]
        terms = self.content_terms(query)
        text, passages = compose(hits, terms, districts)
        rule = NO_ANSWER_RULES.get(self.embedder.id, FALLBACK_RULE)
        # A comparison is answered when at least one of its districts is covered.
        compared = districts if len(districts) > 1 else []
        groups = [[h for h in found if h.chunk.district == d] for d in compared] or [found]
        quoted = quoted_phrases(query)
        confidences = [self._confidence(group, terms, quoted) for group in groups]
        confidence = max(confidences, key=lambda c: (not rule.refuses(c), c.coverage))
        no_answer = not passages or all(rule.refuses(c) for c in confidences)
        return Answer(
            id=qid,
            question=question,
            districts=districts,
            no_answer=no_answer,
            answer="" if no_answer else text,
            passages=passages,
            latency_ms=(time.perf_counter() - started) * 1000,
            confidence=confidence,
        )

    def content_terms(self, query: str) -> list[str]:
        """The question's words that say what it is about (district names excluded)."""
        names = set(self.gazetteer.names) | {
            alias for d in self.gazetteer.districts.values() for alias in d.aliases
        }
        return [t for t in self.tokenizer.tokenize(query) if t not in names]

    def _confidence(
        self, hits: list[Hit], terms: list[str], quoted: Sequence[str] = ()
    ) -> Confidence:
        """Evidence that the top passages answer the question.

        ``coverage``: the IDF-weighted share of the question's content words that the top
        three passages contain (rare words count most; a word the corpus never uses counts
        fully against). ``dense``: the best cosine similarity among them.
        """
        if not hits:
            return Confidence()
        top = hits[:CONFIDENCE_DEPTH]
        words = list(dict.fromkeys(terms))
        # jieba's search mode yields 环境保护 and also 环境, 保护: count such a compound once.
        words = [t for t in words if not _is_compound(t, words)]
        # A word in another script that the corpus never uses (北辰区种了多少亩春小麦 please)
        # says nothing about whether these Chinese documents answer: it does not count.
        words = [t for t in words if self.store.has_token(t) or _has_cjk_or_digit(t)]
        weights = {t: self.store.idf(t) for t in words}
        texts = [h.chunk.embed_text() for h in top]
        found = sum(w for t, w in weights.items() if any(t in text for text in texts))
        coverage = found / (sum(weights.values()) or 1.0)
        if quoted and any(all(q in match_key(text) for q in quoted) for text in texts):
            coverage = 1.0  # the passage says literally what the question quotes
        return Confidence(coverage=round(coverage, 3), dense=round(max(h.dense for h in top), 4))


class _Serialised:
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
