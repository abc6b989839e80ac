"""Request and response bodies of the HTTP API, as pydantic models (they also feed /docs).

The answer object itself is the CLI's (``Answer.to_dict()``, fixed by the contract): it is
passed through as is (serialised once, see :func:`qabot.web.routes.answer_json`);
:class:`AnswerBody` describes it for /docs. The
question's own limits (empty, too long, no words) are checked by the engine, so the API
answers with the same reason codes as the CLI and the library.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from qabot.validation import MAX_QUESTION_CHARS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _text(value: str) -> str:
    """A lone surrogate (JSON "\\ud800") cannot be stored: a 400, not a 500 from SQLite."""
    if re.search("[\ud800-\udfff]", value):
        raise ValueError("not valid Unicode text (a lone surrogate)")
    return value


#: a short stored string (district, chunk id, reason): at most 200 characters of real text
Label = Annotated[str, Field(max_length=200), AfterValidator(_text)]


class AskRequest(_Strict):
    question: str = Field(
        description="the question, in Chinese", examples=["北辰区种了多少亩春小麦？"]
    )
    k: int = Field(5, strict=True, description="passages to return (1–50)")
    district: str | None = Field(
        None, description="only this district (北辰区, 北辰, 北辰區 …); null: all"
    )
    id: str | None = Field(None, max_length=200, description="echoed as the answer's id")
    passage_text: bool = Field(
        True,
        strict=True,
        description="false: leave each passage's full `text` out (its `excerpt` stays); the "
        "chat page fetches a whole paragraph from /api/passages only when asked",
    )


class BatchItem(_Strict):
    question: str
    id: str | None = Field(None, max_length=200)
    district: str | None = None


class BatchRequest(_Strict):
    questions: list[BatchItem] = Field(description="answered in order, one answer per item")
    k: int = Field(5, strict=True)
    district: str | None = Field(None, description="default district for items without one")


class SpanBody(BaseModel):
    passage: int = Field(description="rank of the passage the value is in")
    start: int
    end: int
    text: str = Field(description="passages[passage-1].text[start:end]")


class LineBody(BaseModel):
    """One line of the answer (``answer`` is these lines joined, each with its ``[n]``)."""

    text: str = Field(description="copied from the passage, … where words are left out")
    passage: int = Field(description="rank of the passage it is copied from; 0: none")
    span: SpanBody | None = None
    district: str = Field("", description="the district a comparison line speaks of")


class SourceBody(BaseModel):
    """Where a text comes from: shared by an answer's passage and a whole paragraph."""

    chunk_id: str
    doc_id: str
    title: str
    district: str
    city: str
    speaker: str
    role: str
    date: str
    paragraph: int
    text: str


class PassageBody(SourceBody):
    rank: int
    score: float
    excerpt: str
    context: str
    source: str
    line: int
    dense_score: float
    lexical_score: float
    merged_into: int = Field(0, description="a better-ranked piece of the same paragraph")


class AnswerBody(BaseModel):
    """The answer object (``Answer.to_dict()``, docs/contract.md): the schema /docs shows."""

    id: str | None = None
    question: str
    districts: list[str]
    no_answer: bool
    answer: str
    passages: list[PassageBody]
    latency_ms: float
    confidence: dict[str, float | bool]
    answer_type: str
    answer_span: SpanBody | None
    measures: list[dict[str, Any]]
    not_covered: list[str]
    notice: str
    lines: list[LineBody]


class BatchResponse(BaseModel):
    answers: list[dict[str, Any]] = Field(
        description="answer objects in request order; a question that cannot be searched "
        'gives {"id", "error", "reason"} in its place'
    )


class FeedbackRequest(_Strict):
    """A 👍/👎 on an answer the page showed: enough of it to label the question later."""

    question: Annotated[str, Field(max_length=MAX_QUESTION_CHARS), AfterValidator(_text)]
    districts: list[Label] = Field(default_factory=list, max_length=20)
    chunk_ids: list[Label] = Field(default_factory=list, max_length=50)
    no_answer: bool = Field(False, strict=True)
    vote: Literal["up", "down"]
    reason: Label | None = Field(None, description="one of /api/meta reasons (👎 only)")


class ReasonRequest(_Strict):
    reason: Label
    token: str = Field(max_length=64, description="the `token` the 👎 vote returned")


class FeedbackResponse(BaseModel):
    id: int
    token: str | None = Field(
        None, description="for a 👎: proves this client cast it (POST it with the reason)"
    )


class ParagraphResponse(SourceBody):
    text: str = Field(description="the whole paragraph the passage was cut from")


class Health(BaseModel):
    status: Literal["ok", "loading", "unavailable"]
    generation: str | None = Field(None, description="corpus hash of the loaded index (short)")
    built_at: str | None = None
    embedder: str | None = None
    documents: int = 0
    chunks: int = 0
    version: str
    reason: str | None = None


class Meta(BaseModel):
    """What the chat page needs to draw itself."""

    districts: list[str]
    examples: list[str]
    reasons: dict[str, str]
    max_question_chars: int
    max_k: int
    max_batch: int


class ErrorBody(BaseModel):
    error: str
    reason: str
