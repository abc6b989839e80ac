"""The question-answering engine every front end shares (CLI, REPL, Telegram, evaluation).

It opens the index (building or refreshing it when the corpus changed), loads the embedder
once, and answers questions: validate → recognise districts → retrieve → decide whether
the documents answer at all → compose the cited answer.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from qabot.answer import Answer, compose
from qabot.corpus import load_corpus
from qabot.districts import Gazetteer
from qabot.embedders import DEFAULT_EMBEDDER, Embedder, check_embedder_name, load_embedder
from qabot.errors import CorpusError, IndexStateError, UsageError
from qabot.lexical import Tokenizer
from qabot.retriever import MODES, Hit, Retriever, quoted_phrases
from qabot.store import BuildReport, Store, build_store, corpus_hash
from qabot.textnorm import fold_width, match_key, to_simplified

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
MAX_K = 50
CONFIDENCE_DEPTH = 3  # passages the no-answer rule looks at
EXAMPLE_QUESTION = "北辰区种了多少亩春小麦？"
_HAS_WORD = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbfA-Za-z0-9]")


@dataclass(frozen=True)
class NoAnswerRule:
    """The documents are taken not to cover a question when the best passages neither match
    enough of its content words (``coverage``) nor come close in meaning (``dense``)."""

    min_coverage: float
    min_dense: float

    def refuses(self, confidence: dict[str, float]) -> bool:
        return confidence["coverage"] < self.min_coverage and confidence["dense"] < self.min_dense


# Fitted on tests/data/questions.jsonl (README, "No answer"). Cosine scales differ between
# models, so other embedders fall back to the coverage test alone, set more cautiously.
NO_ANSWER_RULES = {"e5-small": NoAnswerRule(min_coverage=0.64, min_dense=0.894)}
FALLBACK_RULE = NoAnswerRule(min_coverage=0.25, min_dense=float("inf"))


@dataclass(frozen=True)
class Settings:
    docs: Path
    index: Path
    embedder: str

    @classmethod
    def from_env(
        cls, docs: str | None = None, index: str | None = None, embedder: str | None = None
    ) -> Settings:
        """Flags win over ``QABOT_DOCS``/``QABOT_INDEX``/``QABOT_EMBEDDER``, then defaults."""
        return cls(
            docs=Path(docs or os.environ.get("QABOT_DOCS") or "docs_src"),
            index=Path(index or os.environ.get("QABOT_INDEX") or "embeddings"),
            embedder=embedder or os.environ.get("QABOT_EMBEDDER") or DEFAULT_EMBEDDER,
        )


def validate_question(question: str) -> str:
    """The question, trimmed; :class:`UsageError` when there is nothing sensible to search."""
    if not isinstance(question, str) or not question.strip():
        raise UsageError(f"empty question: ask something, e.g. {EXAMPLE_QUESTION}")
    question = question.strip()
    if len(question) > MAX_QUESTION_CHARS:
        raise UsageError(
            f"question too long ({len(question)} characters, limit {MAX_QUESTION_CHARS}): "
            "ask about one thing at a time"
        )
    if not _HAS_WORD.search(question):
        raise UsageError("the question has no words to search for (only symbols or emoji)")
    return question


def validate_k(k: int) -> int:
    if not 1 <= k <= MAX_K:
        raise UsageError(f"--k must be between 1 and {MAX_K}, not {k}")
    return k


def _is_compound(word: str, words: list[str]) -> bool:
    """True if ``word`` is a concatenation of two or more other words of the list."""
    others = [w for w in words if w != word and len(w) < len(word)]

    def split(rest: str, parts: int) -> bool:
        if not rest:
            return parts >= 2
        return any(rest.startswith(w) and split(rest[len(w) :], parts + 1) for w in others)

    return split(word, 0)


class Engine:
    """Index + embedder + retriever, loaded once."""

    def __init__(self, settings: Settings, store: Store, embedder: Embedder) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.gazetteer = Gazetteer(store.manifest.districts.items())
        self.tokenizer = Tokenizer(self.gazetteer.names)
        self.retriever = Retriever(store, embedder, self.tokenizer)

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, settings: Settings, refresh: bool = True, progress: bool = True) -> Engine:
        """Load the index; build it if there is none, refresh it if the corpus changed."""
        check_embedder_name(settings.embedder)
        has_manifest = (settings.index / "manifest.json").exists()
        store = Store.load(settings.index) if has_manifest else None
        if store is not None:
            store.check_embedder(settings.embedder)
        embedder = load_embedder(settings.embedder)
        if store is None or (refresh and cls._is_stale(settings, store)):
            if not settings.docs.is_dir() and store is None:
                raise IndexStateError(
                    f"no index in {settings.index} and no documents in {settings.docs} "
                    "to build one from"
                )
            log.info(
                "index %s: building from %s", "missing" if store is None else "stale", settings.docs
            )
            store, report = cls._build(settings, embedder, store, progress)
            log.info(report.summary())
        return cls(settings, store, embedder)

    @staticmethod
    def _is_stale(settings: Settings, store: Store) -> bool:
        if not settings.docs.is_dir():
            return False  # an index shipped without its sources: use it as it is
        digest, _ = corpus_hash(settings.docs)
        return digest != store.manifest.corpus_hash

    @staticmethod
    def _build(
        settings: Settings, embedder: Embedder, previous: Store | None, progress: bool
    ) -> tuple[Store, BuildReport]:
        corpus = load_corpus(settings.docs)
        chunks = corpus.chunks()
        gazetteer = Gazetteer((c.district, c.city) for c in chunks)
        fingerprint = corpus_hash(settings.docs)
        with tqdm(
            total=len(chunks),
            desc="embedding",
            unit="chunk",
            disable=None if progress else True,
            leave=False,
        ) as bar:
            store, report = build_store(
                chunks,
                embedder,
                settings.index,
                fingerprint,
                Tokenizer(gazetteer.names),
                previous=previous,
                progress=bar.update,
                problems=corpus.problems,
            )
        return store, report

    @classmethod
    def build(cls, settings: Settings, progress: bool = True) -> BuildReport:
        """``qabot index``: refresh the index, re-embedding only what changed."""
        previous = None
        if (settings.index / "manifest.json").exists():
            try:
                previous = Store.load(settings.index)
            except IndexStateError as exc:
                log.warning("rebuilding from scratch: %s", exc)
        if not settings.docs.is_dir():
            raise CorpusError(
                f"document folder {settings.docs} does not exist (set --docs or QABOT_DOCS)"
            )
        embedder = load_embedder(settings.embedder)
        _, report = cls._build(settings, embedder, previous, progress)
        return report

    # ------------------------------------------------------------------ answering

    def resolve_district(self, value: str | None) -> str | None:
        return self.gazetteer.resolve(value) if value else None

    def ask(
        self,
        question: str,
        k: int = 5,
        district: str | None = None,
        mode: str = "hybrid",
        qid: str | None = None,
    ) -> Answer:
        started = time.perf_counter()
        question = validate_question(question)
        k = validate_k(k)
        if mode not in MODES:
            raise UsageError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
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
        confidence = max(confidences, key=lambda c: (not rule.refuses(c), c["coverage"]))
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
    ) -> dict[str, float]:
        """Evidence that the top passages answer the question.

        ``coverage``: the IDF-weighted share of the question's content words that the top
        three passages contain (rare words count most; a word the corpus never uses counts
        fully against). ``dense``: the best cosine similarity among them.
        """
        if not hits:
            return {"coverage": 0.0, "dense": 0.0}
        top = hits[:CONFIDENCE_DEPTH]
        words = list(dict.fromkeys(terms))
        # jieba's search mode yields 环境保护 and also 环境, 保护: count such a compound once.
        words = [t for t in words if not _is_compound(t, words)]
        weights = {t: self.store.lexical.idf(t) for t in words}
        texts = [h.chunk.embed_text() for h in top]
        found = sum(w for t, w in weights.items() if any(t in text for text in texts))
        coverage = found / (sum(weights.values()) or 1.0)
        if quoted and any(all(q in match_key(text) for q in quoted) for text in texts):
            coverage = 1.0  # the passage says literally what the question quotes
        return {"coverage": round(coverage, 3), "dense": round(max(h.dense for h in top), 4)}
