"""The question-answering engine every front end shares (CLI, REPL, Telegram, web,
evaluation): it holds the index and the embedder, and answers questions — orchestration only.

validate (:mod:`qabot.validation`) → a conversation act? (:mod:`qabot.conversation`) → the
:class:`~qabot.query.Query` (:mod:`qabot.question`, :mod:`qabot.query`) → retrieve
(:mod:`qabot.retriever`) → compose the cited lines (:mod:`qabot.answer`, reading sentences
through :mod:`qabot.sentences`) → answer or refuse (:mod:`qabot.refusal`). Opening and
building the index is :mod:`qabot.indexer`'s.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import chain
from pathlib import Path

import numpy as np

import qabot.metadata as metadata
import qabot.paragraphs as paragraphs
import qabot.refusal as refusal
import qabot.services as services
import qabot.topic as topic
from qabot.answer import compose, typed_first
from qabot.candidates import CANDIDATE_DEPTH
from qabot.cards import cards
from qabot.chunking import join_pieces
from qabot.closeness import Closeness
from qabot.conversation import aside, conversation_act, conversation_answer
from qabot.conversation import reply as conversation_reply
from qabot.districts import Gazetteer
from qabot.embedders import Embedder, Serialised
from qabot.english import EnglishReader
from qabot.errors import UsageError
from qabot.homophones import QUOTED
from qabot.indexer import open_readonly, open_store
from qabot.lexical import Tokenizer
from qabot.lexicon import example_questions
from qabot.linerank import LINE_RANKER, LineRanker
from qabot.meaning import Meaning
from qabot.query import Query, detect_language, make_query
from qabot.question import Analysis, QuestionAnalyzer
from qabot.refusal import FALLBACK_RULE, NO_ANSWER_RULES, NoAnswerRule
from qabot.retriever import Retriever
from qabot.services import ServiceGuard, ServiceKind
from qabot.settings import Settings
from qabot.store.protocol import ChunkStore
from qabot.types import Answer, Chunk, DocumentInfo, Hit, Mode
from qabot.validation import (
    READ_CHARS,
    english_part,
    validate_district,
    validate_k,
    validate_mode,
    validate_question,
)


@dataclass(frozen=True)
class Gathered:
    """What one question found, before the answer line is chosen and the refusal decided:
    searched once, decided under any rule and ranker (``qabot eval --folds``)."""

    question: str  # validated
    qid: str | int | None
    k: int
    query: Query
    found: list[Hit]
    about: metadata.Asked  # a question about the documents themselves
    service: ServiceKind | None  # a service the documents lack (opening hours, the weather)
    started: float  # perf_counter when asked: the answer's latency
    # the paragraph asked for by its place (第9段, 结尾) is what was found (True), or its
    # document has none there (False: refused); None: no place asked
    placed: bool | None = None
    vector: np.ndarray | None = None  # the question's, as the dense search saw it (None: BM25)


WARM_UP = "主要工作"  # asked to warm the embedder up when the index has no example
CONTEXT_DEPTH = 5  # passages whose words an English question's renderings prefer
SEARCH_DEPTH = 10  # passages every question searches, shown or not (as deep as eval ranks)


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
        # Each district's passages: what questions about the documents are answered from.
        self.by_district: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            self.by_district.setdefault(chunk.district, []).append(chunk)
        # Each district's bylines (author, editor, date lines): cited, never searched.
        self.bylines: dict[str, list[Chunk]] = {}
        for line in store.bylines():
            self.bylines.setdefault(line.district, []).append(line)
        # … and its documents' cards (what the catalog says of each): cited, never searched
        self.cards: dict[str, list[Chunk]] = {}
        for card in cards(chunks):
            self.cards.setdefault(card.district, []).append(card)
        corpus_text = "".join(c.text for c in chunks)
        # the corpus words' vectors, for coverage by meaning (None: by string only)
        self.meaning = Meaning.load(index_dir, self.embedder) if index_dir else None
        vocabulary = list(self.meaning.index) if self.meaning else []

        def tokens() -> Iterable[str]:
            """The passages' words, every use of each (tokenized when first needed)."""
            return (t for c in chunks for t in self.tokenizer.tokenize(c.text))

        def words() -> Iterable[str]:
            """The corpus words the index embedded; without them (a store without a folder),
            the passages' own."""
            return vocabulary or tokens()

        self.analyzer = QuestionAnalyzer(
            self.gazetteer,
            self.tokenizer,
            people=[(c.speaker, c.district) for c in chunks],
            corpus_text=corpus_text,
            words=words,
        )
        # opening hours, the weather…: not in reports
        self.services = ServiceGuard(corpus_text, self.tokenizer.segment)
        self.rule = NO_ANSWER_RULES.get(self.embedder.id, FALLBACK_RULE)
        self.topic = topic.shipped(self.embedder.id)  # 明天下雨吗, 红烧肉怎么做: by meaning
        self.english = EnglishReader(
            store.known,
            store.idf,
            self.gazetteer.romanised_names,
            lambda: (*self.analyzer.people, *self.analyzer.titled_people),
            lambda: chain(tokens(), QUOTED.findall(corpus_text)),  # “密宝唐” spelled Mi-Bao-Tang
        )
        # … and its sentences' vectors, for choosing the answer line
        self.closeness = Closeness.load(index_dir, self.embedder)

    @classmethod
    def load(
        cls, index_dir: Path | str, embedder: str | None = None, store: str | None = None
    ) -> Engine:
        """Open the index in ``index_dir`` (or the ``store`` backend, a ``--store`` value)
        read-only: no build, no progress bar, no writes (see
        :func:`qabot.indexer.open_readonly`)."""
        return cls(*open_readonly(Path(index_dir), embedder, store), Path(index_dir))

    @classmethod
    def open(cls, settings: Settings, refresh: bool = True, progress: bool = True) -> Engine:
        """The CLI's way in: load the index, building it if there is none and refreshing it
        if the corpus changed (``refresh``; a large change only warns, see
        :mod:`qabot.indexer`)."""
        return cls(
            *open_store(
                settings.docs,
                settings.index,
                settings.embedder,
                refresh=refresh,
                progress=progress,
                store=settings.store,
            ),
            Path(settings.index),
        )

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
        """Answer one question so the embedder's lazy first-call set-up (about 2 s) and the
        English dictionary's happen before the first user, not during their request."""
        self.ask(next(iter(self.examples()), WARM_UP))
        self.english.warm()
        return self

    def documents(self) -> list[DocumentInfo]:
        """One entry per indexed document, in index order."""
        return self.store.documents()

    def paragraph(self, chunk_id: str) -> tuple[Chunk, str]:
        """The chunk ``chunk_id`` and the whole paragraph it was cut from."""
        pieces = self.store.paragraph_chunks(chunk_id) or [
            line
            for lines in (*self.bylines.values(), *self.cards.values())
            for line in lines
            if line.id == chunk_id
        ]
        target = next((c for c in pieces if c.id == chunk_id), None)
        if target is None:
            raise UsageError(f"no passage {chunk_id!r} in the index", "unknown_passage")
        return target, join_pieces(piece.text for piece in pieces)

    # ------------------------------------------------------------------ answering

    def resolve_district(self, value: object) -> str | None:
        """The canonical name of a district written in any known form (``None``: all);
        :class:`UsageError` for a name the index does not cover."""
        name = validate_district(value)
        return self.gazetteer.resolve(name) if name else None

    def ask(
        self,
        question: str,
        k: int = 5,
        district: str | None = None,
        mode: Mode = "hybrid",
        qid: str | int | None = None,
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
        found = self.gather(question, k, district, mode, qid)
        return found if isinstance(found, Answer) else self.decide(found, rule)

    def gather(
        self,
        question: str,
        k: int = 5,
        district: str | None = None,
        mode: Mode = "hybrid",
        qid: str | int | None = None,
    ) -> Answer | Gathered:
        """What :meth:`ask` finds before it decides (the search, the costly part): the reply
        itself for a conversation act, else the :class:`Gathered` passages."""
        started = time.perf_counter()
        question, k, mode = validate_question(question), validate_k(k), validate_mode(mode)
        act = conversation_act(question)
        query = None if act else self.query(question, district)
        # opening hours, the weather…: a service the documents lack gets its own notice
        service = self.services.asked(question) if query else None
        act = act or (self._aside(query, refused=False) if query and not service else None)
        if act is not None or query is None:
            # 你好 / thanks / what can you do / 你吃饭了吗: the help reply, no passage
            return self._conversation(question, qid, act or "help", started)
        # Whatever k, the same passages are searched (the evidence reads the top
        # CONFIDENCE_DEPTH of each compared district, the stand-ins every one found): the
        # answer never depends on how many are shown, and `qabot eval` judges what users get.
        depth = max(SEARCH_DEPTH, refusal.CONFIDENCE_DEPTH * max(1, len(query.districts)))
        found = self.retriever.find(query, max(k, depth), mode)
        near, stand_ins = refusal.near_words(query, found, self.meaning)
        query = replace(query, near=near, stand_ins=stand_ins)
        found = typed_first(found, query)
        # 第9段说了什么, 报告的结尾: that paragraph, whatever its words (and whatever else asked)
        at_place = self._at_place(query, found)
        about = metadata.Asked() if at_place else self._about_documents(query)
        if about.first is not None:  # who leads / which city / who spoke of it: that passage
            found = metadata.first(about, found)
            service = None
        found = at_place or found
        vector = None
        if mode != "lexical":  # the BM25 baseline never calls the embedder
            vector = self.retriever.query_vector(query.search)
            query = replace(query, closeness=self._closeness(query, found, vector))
        placed = None if at_place is None else bool(at_place)
        return Gathered(question, qid, k, query, found, about, service, started, placed, vector)

    def decide(
        self, gathered: Gathered, rule: NoAnswerRule | None = None, ranker: LineRanker | None = None
    ) -> Answer:
        """The answer to what :meth:`gather` found: the line ``ranker`` chooses (default: the
        shipped one), answered or refused by ``rule`` (``qabot eval --folds`` refits both)."""
        query, found, fact = gathered.query, gathered.found, gathered.about.fact
        composed = compose(found[: gathered.k], query, ranker or LINE_RANKER)
        if fact is not None:
            composed = replace(composed, lines=[metadata.line(fact)], type_ok=True)
        confidence = replace(
            refusal.confidence(query, found, composed),
            attributed=fact is not None or bool(gathered.placed),
            off_topic=self.topic is not None and self.topic.flags(gathered.vector),
        )
        service, unheld = gathered.service, gathered.about.unheld
        no_answer = (
            not composed.passages
            or service is not None
            or bool(unheld)
            or gathered.placed is False  # 第99段 of a document of 25
            or refusal.refused(rule or self.rule, confidence, True)
        )
        if no_answer and service is None and not unheld:
            act = self._aside(query, refused=True)  # 晚上好，吃了吗: nothing to answer
            if act is not None:
                return self._conversation(gathered.question, gathered.qid, act, gathered.started)
        notice = ""
        if service is not None:
            notice = services.notice(service, query.language)
        elif unheld:  # 北辰区的区长是谁: a post none of its documents' speakers holds
            notice = gathered.about.notice(query.language)
        elif no_answer:
            span = composed.span.text if composed.span else ""
            notice = refusal.notice(query, confidence, found, self.districts, composed.said, span)
        return Answer(
            id=gathered.qid,
            question=gathered.question,
            districts=query.districts,
            no_answer=no_answer,
            answer="" if no_answer else composed.text,
            passages=composed.passages,
            latency_ms=(time.perf_counter() - gathered.started) * 1000,
            confidence=confidence,
            answer_type=query.answer_type,
            answer_span=composed.span if not no_answer or not confidence.part_ok else None,
            measures=[] if no_answer else composed.measures,
            not_covered=query.not_covered,
            notice=notice,
            lines=[] if no_answer else composed.lines,
            language=query.language,
        )

    def _conversation(
        self, question: str, qid: str | int | None, act: str, started: float
    ) -> Answer:
        """The short reply to a conversation act, in the message's language: no passage."""
        language = detect_language(question)
        reply = conversation_reply(act, language, self.districts, self.documents())
        return conversation_answer(question, qid, reply, language, started)

    def _aside(self, query: Query, refused: bool) -> str | None:
        """The act of an aside to the bot (你吃饭了吗, 你好，今天天气不错) that names no district;
        ``refused``: the documents do not answer it (:func:`qabot.conversation.aside`)."""
        if query.districts or query.not_covered:
            return None
        return aside(query.question, query.weights, self.store.known, refused)

    def query(self, question: str, district: object = None) -> Query:
        """The :class:`~qabot.query.Query` of a validated ``question`` under the caller's
        ``district`` filter (any known form; :class:`UsageError` for an unknown one)."""
        explicit = self.resolve_district(district)
        text = question[:READ_CHARS]
        if detect_language(text) != "en":
            return self._query(question, self.analyzer.analyse(text), explicit)
        text = english_part(question)
        rough = self._english(question, text, explicit)
        found = self.retriever.find(rough, CONTEXT_DEPTH)
        return self._english(question, text, explicit, "".join(h.chunk.text for h in found))

    def _english(self, question: str, text: str, explicit: str | None, context: str = "") -> Query:
        """An English question read as Chinese (renderings the ``context`` passages use
        first); the embedder sees both, BM25 the Chinese alone: English words are in no
        passage, and would only lower the weight of the words that are."""
        analysis = self.analyzer.analyse(self.english.to_chinese(text, context), rendered=True)
        query = self._query(question, analysis, explicit)
        return replace(query, search=f"{text} {analysis.search}")

    def _query(self, question: str, analysis: Analysis, explicit: str | None) -> Query:
        """The query of ``analysis``, its focus weighed by this index's IDF."""
        return make_query(question, analysis, explicit, self.store.idfs, self.tokenizer.tokenize)

    def _closeness(self, query: Query, found: list[Hit], vector: np.ndarray) -> dict[str, float]:
        """How close in meaning each sentence the answer line may be is to the question."""
        sentences = [
            s.text
            for h in found[:CANDIDATE_DEPTH]
            for s in query.reading.sentences(h.chunk.text, query)
        ]
        return self.closeness.cosines(vector, sentences)

    def _at_place(self, query: Query, found: list[Hit]) -> list[Hit] | None:
        """The passages of the paragraph the question asks for by its place in one
        district's document (:mod:`qabot.paragraphs`): empty when the document has no
        paragraph there, ``None`` when the question asks for no place."""
        place = paragraphs.asked(query.as_asked) if len(query.districts) == 1 else None
        if place is None:
            return None
        return paragraphs.placed(place, self.by_district.get(query.districts[0], []), found)

    def _about_documents(self, query: Query) -> metadata.Asked:
        """A question about one district's documents themselves (who leads it, where it is)."""
        if len(query.districts) != 1 or query.comparison:
            return metadata.Asked()
        district = query.districts[0]
        own, bylines = self.by_district.get(district, []), self.bylines.get(district, [])
        return metadata.asked(
            query.as_asked, district, own, query.people, bylines, self.cards.get(district, [])
        )
