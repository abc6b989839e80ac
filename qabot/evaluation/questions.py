"""Question sets: the JSONL a person labels, read into :class:`Question` objects.

One object a line (format in docs/contract.md)::

    {"id": "q1", "question": "北辰区种了多少亩春小麦？", "answers": ["种植春小麦6550亩"],
     "district": "北辰区", "type": "fact"}

``answers`` are evidence phrases, not answers: a passage answers the question when it holds
one of them (see :func:`qabot.evaluation.metrics.is_relevant`), so labels survive
re-chunking. ``answers: []`` marks a question the documents cannot answer. ``district`` is a
*label* (per-district breakdown, comparison coverage), never passed to the engine: the bot
has to recognise districts in the question itself.

A labelling mistake is a :class:`~qabot.errors.UsageError` naming the line and the reason,
so a broken set stops the run instead of skewing its figures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qabot.errors import UsageError
from qabot.question import ANSWER_TYPES
from qabot.textnorm import match_key

UNANSWERABLE = "unanswerable"


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: tuple[str, ...]
    districts: tuple[str, ...]  # label only: breakdowns and comparison coverage
    type: str
    line: int = 0
    answer_type: str | None = None  # expected answer type label (quantity, date, …)
    expected_span: str | None = None  # the value the answer should mark

    @property
    def spans(self) -> tuple[str, ...]:
        """Accepted marked values (``expected_span`` may list several, separated by |)."""
        return tuple(self.expected_span.split("|")) if self.expected_span else ()

    @property
    def answerable(self) -> bool:
        """The documents answer it (it has evidence phrases); refusing it is a failure."""
        return bool(self.answers)

    @property
    def is_comparison(self) -> bool:
        """Labelled with two or more districts: the top k must cover each of them."""
        return len(self.districts) > 1


def _bad(path: Path, number: int, reason: str) -> UsageError:
    return UsageError(f"{path}: line {number}: {reason}")


def parse_question(data: Any, number: int, path: Path = Path("<questions>")) -> Question:
    """One question-set line (already JSON-decoded) → :class:`Question`, or a UsageError."""
    if not isinstance(data, dict):
        raise _bad(path, number, f"expected a JSON object, got {type(data).__name__}")
    question = data.get("question")
    if not isinstance(question, str) or not question.strip():
        what = (
            "missing"
            if question is None
            else "empty"
            if isinstance(question, str)
            else "not a string"
        )
        raise _bad(path, number, f"'question' is {what} (a non-empty string is required)")
    if "answers" not in data:
        raise _bad(
            path, number, "'answers' is missing (a list of evidence phrases; [] = unanswerable)"
        )
    answers = data["answers"]
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise _bad(path, number, "'answers' must be a list of strings (evidence phrases)")
    if any(not match_key(a) for a in answers):
        raise _bad(path, number, "'answers' contains an empty phrase (it would match any passage)")
    district = data.get("district")
    if district is None:
        districts: tuple[str, ...] = ()
    elif isinstance(district, str):
        districts = (district.strip(),) if district.strip() else ()
    elif isinstance(district, list) and all(isinstance(d, str) and d.strip() for d in district):
        districts = tuple(dict.fromkeys(d.strip() for d in district))
    else:
        raise _bad(path, number, "'district' must be null, a name, or a list of names")
    qid = data.get("id", f"line-{number}")
    if isinstance(qid, bool) or not isinstance(qid, (str, int)) or str(qid).strip() == "":
        raise _bad(path, number, "'id' must be a non-empty string or an integer")
    qtype = data.get("type")
    if qtype is None:
        qtype = "answerable" if answers else UNANSWERABLE
    if not isinstance(qtype, str) or not qtype.strip():
        raise _bad(path, number, "'type' must be a non-empty string")
    optional = {}
    for name in ("answer_type", "expected_span"):
        value = data.get(name)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise _bad(path, number, f"'{name}' must be a non-empty string when given")
        optional[name] = value.strip() if value else None
    if optional["answer_type"] and optional["answer_type"] not in ANSWER_TYPES:
        known = ", ".join(ANSWER_TYPES)
        raise _bad(path, number, f"'answer_type' must be one of {known}")
    return Question(
        **optional,
        id=str(qid),
        question=question.strip(),
        answers=tuple(answers),
        districts=districts,
        type=qtype.strip(),
        line=number,
    )


def load_questions(path: Path | str) -> list[Question]:
    """Read a JSONL question set; a bad line raises :class:`UsageError` naming line and reason."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise UsageError(f"cannot read question file {path}: {exc.strerror or exc}") from exc
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _bad(path, number, f"not valid JSON ({exc.msg}, column {exc.colno})") from exc
        question = parse_question(data, number, path)
        if question.id in seen:
            raise _bad(path, number, f"id {question.id!r} already used on line {seen[question.id]}")
        seen[question.id] = number
        questions.append(question)
    if not questions:
        raise UsageError(f"{path}: no questions (expected one JSON object per line)")
    return questions
