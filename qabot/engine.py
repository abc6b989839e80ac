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

from qabot.answer import Composed, compose, typed_first
from qabot.backend import ChunkStore, open_existing, parse_store
from qabot.corpus import SENTENCE_END
from qabot.decision import FALLBACK_RULE, NO_ANSWER_RULES, NoAnswerRule
from qabot.districts import Gazetteer
from qabot.embedders import DEFAULT_EMBEDDER, Embedder, check_embedder_name, load_embedder
from qabot.errors import IndexStateError, UsageError
from qabot.indexer import open_store
from qabot.lexical import Tokenizer
from qabot.question import Analysis, QuestionAnalyzer
from qabot.retriever import Retriever, quoted_phrases
from qabot.textnorm import match_key, strip_controls
from qabot.types import MODES, Answer, Chunk, Confidence, DocumentInfo, Hit, Mode

__all__ = ["FALLBACK_RULE", "NO_ANSWER_RULES", "Engine", "NoAnswerRule", "Settings"]

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
MAX_K = 50
CONFIDENCE_DEPTH = 3  # passages the no-answer rule looks at
EXAMPLE_QUESTION = "北辰区种了多少亩春小麦？"
_SURROGATE = re.compile("[\ud800-\udfff]")


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
    """True if ``word`` is a concatenation of two or more other words of the list.

    Dynamic programming over positions (which prefixes the other words cover), so a
    question of repeated letters costs O(len(word) * len(words)), not an exponential
    search. Every other word is shorter than ``word``, so a cover has two parts or more."""
    others = {w for w in words if w != word and 0 < len(w) < len(word)}
    lengths = sorted({len(w) for w in others})
    covered = [True] + [False] * len(word)  # covered[i]: word[:i] splits into other words
    for end in range(1, len(word) + 1):
        covered[end] = any(
            n <= end and covered[end - n] and word[end - n : end] in others for n in lengths
        )
    return covered[-1]


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
        chunks = list(store.iter_chunks())  # speakers and county mentions (Milvus: one scan)
        self.analyzer = QuestionAnalyzer(
            self.gazetteer,
            self.tokenizer,
            people=[(c.speaker, c.district) for c in chunks],
            corpus_text="".join(c.text for c in chunks),
        )
        self.rule = NO_ANSWER_RULES.get(self.embedder.id, FALLBACK_RULE)

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
        rule: NoAnswerRule | None = None,
    ) -> Answer:
        """Answer ``question`` from the index.

        Returns the ``k`` best passages (1–50), the extractive answer copied from them with
        ``[n]`` citations, and ``no_answer`` when the documents do not cover the question.
        ``district`` restricts the search (any known form; ``None``: the districts the
        question names, else all). ``qid`` is echoed as the answer's ``id``. ``rule`` overrides
        the fitted answer/refuse rule (``qabot eval --folds`` refits it per fold).
        Raises :class:`UsageError` (``reason`` says which) for a question or parameter
        that cannot be searched. Safe to call from several threads.
        """
        started = time.perf_counter()
        question = validate_question(question)
        k = validate_k(k)
        if mode not in MODES:
            raise UsageError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}", "bad_mode")
        explicit = self.resolve_district(district)
        analysis = self.analyzer.analyse(question)
        districts = [explicit] if explicit else analysis.districts
        # The no-answer evidence always looks at the top CONFIDENCE_DEPTH passages (of each
        # compared district), so the decision does not depend on k.
        depth = CONFIDENCE_DEPTH * max(1, len(districts))
        weights = self.focus_weights(analysis)
        found = self.retriever.search(analysis.search, max(k, depth), districts, mode)
        found = typed_first(found, analysis, weights)
        composed = compose(found[:k], analysis, weights)
        confidence = self.confidence(analysis, found, composed, weights, districts)
        no_answer = not composed.passages or (rule or self.rule).refuses(confidence)
        return Answer(
            id=qid,
            question=question,
            districts=districts,
            no_answer=no_answer,
            answer="" if no_answer else composed.text,
            passages=composed.passages,
            latency_ms=(time.perf_counter() - started) * 1000,
            confidence=confidence,
            answer_type=analysis.answer_type,
            answer_span=None if no_answer else composed.span,
            measures=[] if no_answer else composed.measures,
            not_covered=analysis.not_covered,
            notice=self.notice(analysis, confidence, found) if no_answer else "",
        )

    def focus_weights(self, analysis: Analysis) -> dict[str, float]:
        """The focus words with their IDF (a compound jieba also split counts once)."""
        words = analysis.focus
        words = [t for t in words if not _is_compound(t, words)]
        return {t: self.store.idf(t) for t in words}

    def confidence(
        self,
        analysis: Analysis,
        found: list[Hit],
        composed: Composed,
        weights: dict[str, float],
        districts: list[str],
    ) -> Confidence:
        """Evidence that the answer answers: see :class:`~qabot.types.Confidence`."""
        if not found or not self.tokenizer.tokenize(analysis.query):
            # Nothing found, or no word these documents could hold (a question in Korean).
            return Confidence(covered=not analysis.not_covered or bool(districts))
        # A comparison is answered when at least one of its districts is covered.
        compared = districts if len(districts) > 1 else []
        groups = [[h for h in found if h.chunk.district == d] for d in compared]
        groups = [g for g in groups if g] or [found]
        quoted = quoted_phrases(analysis.query)
        coverage = max(self._coverage(g[:CONFIDENCE_DEPTH], weights, quoted) for g in groups)
        source = composed.source.chunk if composed.source else found[0].chunk
        comparison = len(groups) > 1
        support = coverage if comparison else self._coverage([found[0]], weights, quoted)
        if composed.source is not None and not comparison:
            own = next((h for h in found if h.chunk.id == source.id), found[0])
            support = self._coverage([own], weights, quoted)
        return Confidence(
            coverage=round(coverage, 3),
            dense=round(max(h.dense for h in found[:CONFIDENCE_DEPTH]), 4),
            support=round(support, 3),
            type_ok=composed.type_ok,
            year_ok=all(self._speaks_of(source, year) for year in analysis.years),
            covered=not analysis.not_covered or bool(districts),
            names_ok=all(
                any(n in h.chunk.embed_text() for h in found[:CONFIDENCE_DEPTH])
                for n in analysis.names
            ),
        )

    @staticmethod
    def _speaks_of(chunk: Chunk, year: int) -> bool:
        return chunk.date.startswith(str(year)) or f"{year}" in chunk.text + chunk.context

    def _coverage(self, hits: list[Hit], weights: dict[str, float], quoted: Sequence[str]) -> float:
        """IDF-weighted share of the focus words the passages contain (1 with no focus)."""
        texts = [h.chunk.embed_text() for h in hits]
        if quoted and any(all(q in match_key(text) for q in quoted) for text in texts):
            return 1.0  # the passage says literally what the question quotes
        total = sum(weights.values())
        if not total:
            return 1.0
        return sum(w for t, w in weights.items() if any(t in text for text in texts)) / total

    def notice(self, analysis: Analysis, confidence: Confidence, found: list[Hit]) -> str:
        """Why the bot refuses, when it can say more than "the documents do not cover it"."""
        known = "、".join(self.districts)
        if not confidence.covered:
            return f"没有收录{'、'.join(analysis.not_covered_labels)}的文档；已收录：{known}。"
        if not confidence.year_ok and found:
            dates = sorted({h.chunk.date[:4] for h in found[:CONFIDENCE_DEPTH] if h.chunk.date})
            asked = "、".join(f"{y}年" for y in analysis.years)
            return f"文档没有说到{asked}的情况；相关文档的年份：{'、'.join(dates) or '未注明'}。"
        return ""


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
