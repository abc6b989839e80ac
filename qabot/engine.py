"""The question-answering engine every front end shares (CLI, REPL, Telegram, evaluation).

It opens the index (building or refreshing it when the corpus changed), loads the embedder
once, and answers questions — orchestration only: validate (:mod:`qabot.validation`) → the
:class:`~qabot.query.Query` → retrieve (:mod:`qabot.retriever`) → compose the cited lines
(:mod:`qabot.answer`) → answer or refuse (:mod:`qabot.refusal`).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

import qabot.metadata as metadata
import qabot.refusal as refusal
from qabot.answer import compose, typed_first
from qabot.conversation import conversation_act
from qabot.conversation import reply as conversation_reply
from qabot.districts import Gazetteer
from qabot.embedders import (
    DEFAULT_EMBEDDER,
    Embedder,
    Serialised,
    check_embedder_name,
    load_embedder,
)
from qabot.english import EnglishReader
from qabot.errors import IndexStateError, UsageError
from qabot.indexer import open_store
from qabot.lexical import Tokenizer
from qabot.lexicon import example_questions
from qabot.meaning import Meaning
from qabot.query import Query, detect_language, make_query
from qabot.question import QuestionAnalyzer
from qabot.refusal import FALLBACK_RULE, NO_ANSWER_RULES, NoAnswerRule
from qabot.retriever import Retriever
from qabot.sentences import SENTENCE_END
from qabot.store.backend import open_existing
from qabot.store.protocol import ChunkStore, parse_store
from qabot.types import MODES, Answer, Chunk, DocumentInfo, Mode
from qabot.validation import (
    MAX_K,
    MAX_QUESTION_CHARS,
    READ_CHARS,
    SURROGATE,
    validate_k,
    validate_question,
)

# The limits and checks of qabot.validation are the engine's contract too: front ends and the
# library take them from here.
__all__ = [
    "FALLBACK_RULE",
    "MAX_K",
    "MAX_QUESTION_CHARS",
    "NO_ANSWER_RULES",
    "Engine",
    "NoAnswerRule",
    "Settings",
    "validate_k",
    "validate_question",
]

log = logging.getLogger(__name__)

WARM_UP = "主要工作"  # asked to warm the embedder up when the index has no example


@dataclass(frozen=True)
class Settings:
    docs: Path
    index: Path
    embedder: str
    store: str = "faiss"  # a --store value, see qabot.store.protocol

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


class Engine:
    """An index, its embedder and the retriever over them: load once, ask many times.

    ``ask`` may be called from several threads at once: the index is only read, and the
    embedder (the one part that is not re-entrant) is called under a lock.
    """

    def __init__(
        self, store: ChunkStore, embedder: Embedder, index_dir: Path | None = None
    ) -> None:
        self.store = store
        self.embedder = Serialised(embedder)
        self.gazetteer = Gazetteer(store.manifest.districts.items())
        self.tokenizer = Tokenizer(self.gazetteer.names)
        self.retriever = Retriever(store, self.embedder, self.tokenizer)
        chunks = list(store.iter_chunks())  # speakers and county mentions (Milvus: one scan)
        self.attributed = chunks  # what metadata questions are answered from
        self.analyzer = QuestionAnalyzer(
            self.gazetteer,
            self.tokenizer,
            people=[(c.speaker, c.district) for c in chunks],
            corpus_text="".join(c.text for c in chunks),
        )
        self.rule = NO_ANSWER_RULES.get(self.embedder.id, FALLBACK_RULE)
        # the corpus words' vectors, for coverage by meaning (None: by string only)
        self.meaning = Meaning.load(index_dir, self.embedder) if index_dir else None
        self.english = EnglishReader.for_index(
            store.knows, store.idf, self.gazetteer.romanised_names, self.analyzer.people
        )

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
        return cls(store, load_embedder(name), Path(index_dir))

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
        return cls(store, embedder, Path(settings.index))

    # ------------------------------------------------------------------ catalogue

    @property
    def districts(self) -> list[str]:
        """The districts the index covers (its manifest), canonical (北辰区 …), in the
        gazetteer's order."""
        indexed = self.store.manifest.districts
        return [name for name in self.gazetteer.names if name in indexed]

    def examples(self, language: str = "zh") -> list[str]:
        """Example questions about the index's districts (help, /start, the web page)."""
        return example_questions(self.districts, language)

    def warm(self) -> Engine:
        """Answer one question so the embedder's lazy first-call set-up (about 2 s) happens
        before the first user, not during their request."""
        self.ask(next(iter(self.examples()), WARM_UP))
        return self

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
        if value and SURROGATE.search(value):
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
        act = conversation_act(question)
        if act is not None:  # 你好 / thanks / what can you do: the help reply, no passage
            return self._converse(question, act, qid, started)
        query = self.query(question, district)
        # The evidence always looks at the top CONFIDENCE_DEPTH passages (of each compared
        # district), so the decision does not depend on k.
        depth = refusal.CONFIDENCE_DEPTH * max(1, len(query.districts))
        found = typed_first(self.retriever.find(query, max(k, depth), mode), query)
        fact = self._fact(query)
        if fact is not None:  # who leads / which city / which year: from the attribution
            found = metadata.first(fact, found)
        composed = compose(found[:k], query)
        if fact is not None:
            composed = replace(composed, lines=[metadata.line(fact)], type_ok=True)
        confidence = refusal.confidence(query, found, composed, self.meaning)
        no_answer = not composed.passages or (
            fact is None and refusal.refused(rule or self.rule, confidence, True)
        )
        return Answer(
            id=qid,
            question=question,
            districts=query.districts,
            no_answer=no_answer,
            answer="" if no_answer else composed.text,
            passages=composed.passages,
            latency_ms=(time.perf_counter() - started) * 1000,
            confidence=confidence,
            answer_type=query.answer_type,
            answer_span=composed.span if not no_answer or not confidence.part_ok else None,
            measures=[] if no_answer else composed.measures,
            not_covered=query.not_covered,
            notice=refusal.notice(query, confidence, found, self.districts, composed.said)
            if no_answer
            else "",
            lines=[] if no_answer else composed.lines,
            language=query.language,
        )

    def _fact(self, query: Query) -> metadata.Fact | None:
        if len(query.districts) != 1 or query.comparison:
            return None
        return metadata.asked_fact(query.query, query.districts[0], self.attributed)

    def _converse(self, question: str, act: str, qid: str | None, started: float) -> Answer:
        """The answer to a conversation act: no passages, the help reply as the notice."""
        language = detect_language(question)
        return Answer(
            id=qid,
            question=question,
            districts=[],
            no_answer=True,
            answer="",
            passages=[],
            latency_ms=(time.perf_counter() - started) * 1000,
            answer_type="chitchat",
            notice=conversation_reply(act, language, self.districts, self.documents()),
            language=language,
        )

    def query(self, question: str, district: object = None) -> Query:
        """The :class:`~qabot.query.Query` of a validated ``question`` under the caller's
        ``district`` filter (any known form; :class:`UsageError` for an unknown one); only
        its first ``READ_CHARS`` characters are analysed and searched (time budget)."""
        explicit = self.resolve_district(district)
        text = question[:READ_CHARS]
        if detect_language(text) == "en":  # read as Chinese; the embedder sees both
            analysis = self.analyzer.analyse(self.english.to_chinese(text))
            analysis = replace(analysis, search=f"{text} {analysis.search}")
        else:
            analysis = self.analyzer.analyse(text)
        return make_query(question, analysis, explicit, self.store.idf, self.tokenizer.tokenize)
