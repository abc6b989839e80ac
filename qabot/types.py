"""The data types every layer shares: chunks, hits, passages, answers, documents.

They live here, apart from the modules that make them, so that a front end (or a user of
the Python API) can import them without pulling in FAISS, the embedder or the cleaner.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[Mode, ...] = get_args(Mode)


@dataclass
class Chunk:
    """One retrievable passage with everything needed to cite it."""

    id: str
    doc_id: str
    paragraph: int
    part: int
    text: str
    context: str
    district: str
    city: str
    speaker: str
    role: str
    date: str
    title: str
    kind: str
    source: str
    line: int

    def embed_text(self) -> str:
        """What the embedder and the lexical index see: place, context, then the passage."""
        return " ".join(part for part in (self.district, self.context, self.text) if part)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


@dataclass
class Hit:
    """A retrieved chunk with the scores that ranked it."""

    chunk: Chunk
    score: float  # fused score scaled to 0..1 (1 = ranked first by both scorers)
    dense: float  # cosine similarity with the question
    lexical: float  # BM25 score


@dataclass
class Passage:
    """A hit as shown to the user: its rank in the answer and the excerpt quoted from it."""

    rank: int
    score: float
    chunk: Chunk
    excerpt: str
    dense: float
    lexical: float
    merged_into: int = 0  # rank of a better-ranked piece of the same paragraph (0: none)

    @property
    def shown(self) -> bool:
        """Shown on its own: not an overlapping piece of a paragraph shown above it."""
        return not self.merged_into

    def to_dict(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "rank": self.rank,
            "score": self.score,
            "chunk_id": c.id,
            "doc_id": c.doc_id,
            "title": c.title,
            "district": c.district,
            "city": c.city,
            "speaker": c.speaker,
            "role": c.role,
            "date": c.date,
            "paragraph": c.paragraph,
            "text": c.text,
            "excerpt": self.excerpt,
            "context": c.context,
            "source": c.source,
            "line": c.line,
            "dense_score": self.dense,
            "lexical_score": self.lexical,
            "merged_into": self.merged_into,
        }


@dataclass(frozen=True)
class Confidence:
    """The evidence behind the answer/refuse decision (see :mod:`qabot.refusal`).

    ``coverage``: IDF-weighted share of the question's focus words found in the top passages;
    ``dense``: the best cosine similarity among them; ``support``: the same share in the
    passage the answer line comes from; ``type_ok``: the answer line holds a value of the
    expected type near the focus (always true for types without a value); ``type_by_meaning``:
    it holds one only near a word near in meaning to a focus word no passage holds; ``year_ok``: the
    years the question asks about are years the text speaks of; ``covered``: the question
    names no district outside the corpus, or also one inside it.
    """

    coverage: float = 0.0
    dense: float = 0.0
    support: float = 0.0
    type_ok: bool = True
    type_by_meaning: bool = False
    year_ok: bool = True
    covered: bool = True
    names_ok: bool = True  # every proper name of the focus (上海, 中关村) is in the top passages
    places_ok: bool = True  # the answer's passage names every place the question does
    part_ok: bool = True  # a breakdown or period question's answer holds one (qabot.partial)
    # the answer is a fact of the attribution (who leads, which city, a byline: qabot.metadata),
    # which no threshold on the passages' evidence refuses
    attributed: bool = False
    # the question is of a subject no such document speaks of (qabot.topic: by its vector)
    off_topic: bool = False


@dataclass(frozen=True)
class AnswerSpan:
    """The value an answer line marks, as offsets into the ``passage``-th passage's text."""

    passage: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Measure:
    """One item of a measures list: a sentence copied from passage ``passage``."""

    text: str
    passage: int


@dataclass(frozen=True)
class AnswerLine:
    """One line of the answer: ``text`` copied from the ``passage``-th passage (0: from none,
    「文档未提及」), the value it marks, and the district a comparison line speaks of."""

    text: str
    passage: int
    span: AnswerSpan | None = None
    district: str = ""

    def render(self, rank: int | None = None) -> str:
        """``北辰区：text[n]`` (``rank``: the passage's number as shown, default its rank)."""
        label = f"{self.district}：" if self.district else ""
        cite = f"[{rank or self.passage}]" if self.passage else ""
        return f"{label}{self.text}{cite}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    """What :meth:`qabot.Engine.ask` returns; :meth:`to_dict` is the JSON answer object."""

    question: str
    districts: list[str]
    no_answer: bool
    answer: str
    passages: list[Passage]
    latency_ms: float = 0.0
    id: str | int | None = None  # the caller's id (a batch line's, string or number)
    confidence: Confidence = field(default_factory=Confidence)
    answer_type: str = "other"
    answer_span: AnswerSpan | None = None
    measures: list[Measure] = field(default_factory=list)
    not_covered: list[str] = field(default_factory=list)
    notice: str = ""  # why the bot refuses, when it can say more than "not covered"
    lines: list[AnswerLine] = field(default_factory=list)  # ``answer``, line by line
    language: str = "zh"  # the question's (zh or en): the language of labels and notices

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id} if self.id is not None else {}
        data.update(
            question=self.question,
            districts=self.districts,
            no_answer=self.no_answer,
            answer=self.answer,
            passages=[p.to_dict() for p in self.passages],
            latency_ms=round(self.latency_ms, 1),
            confidence=asdict(self.confidence),
            answer_type=self.answer_type,
            answer_span=asdict(self.answer_span) if self.answer_span else None,
            measures=[asdict(m) for m in self.measures],
            not_covered=self.not_covered,
            notice=self.notice,
            lines=[line.to_dict() for line in self.lines],
            language=self.language,
        )
        return data


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document, as front ends list it (``/start``, ``GET /api/documents``)."""

    doc_id: str
    district: str
    city: str
    title: str
    date: str
    paragraphs: int  # distinct source paragraphs indexed (not chunks)
    chunks: int

    def label(self, lang: str = "zh") -> str:
        """``北辰区（天津市）：《标题》，2020``; in English (``lang="en"``) the punctuation and
        the missing district are English: ``北辰区 (天津市): 《标题》, 2020``."""
        en = lang == "en"
        city = (f" ({self.city})" if en else f"（{self.city}）") if self.city else ""
        unknown = "unknown district" if en else "未知地区"
        place = self.district + city if self.district else unknown
        title = f"《{self.title}》" if self.title else self.doc_id
        colon, comma = (": ", ", ") if en else ("：", "，")
        return f"{place}{colon}{title}" + (f"{comma}{self.date}" if self.date else "")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarise_documents(chunks: Iterable[Chunk]) -> list[DocumentInfo]:
    """One :class:`DocumentInfo` per document, in the order the chunks come (index order)."""
    groups: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        groups.setdefault(chunk.doc_id, []).append(chunk)
    return [
        DocumentInfo(
            doc_id=doc_id,
            district=group[0].district,
            city=group[0].city,
            title=group[0].title,
            date=group[0].date,
            paragraphs=len({c.paragraph for c in group}),
            chunks=len(group),
        )
        for doc_id, group in groups.items()
    ]
