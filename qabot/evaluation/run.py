"""One evaluation run: ask the engine every question, judge each answer, gather the result.

Every question is asked once, with the lenient refuse rule, so the draft answer and the
evidence behind the decision are known; the refusal is then decided by the engine's own
rule (:func:`decide`), or, under ``--folds``, by rules refitted without the question
(:mod:`qabot.evaluation.crossval`). The result is the object ``qabot eval --json`` prints
(:class:`EvalResult`; its keys are an outside contract, docs/contract.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TypedDict

import numpy as np

from qabot.answer import line_choices
from qabot.errors import QabotError, UsageError
from qabot.evaluation.crossval import HeldOut, held_out
from qabot.evaluation.metrics import (
    RANK_DEPTH,
    Summary,
    first_relevant_rank,
    is_relevant,
    summarize,
)
from qabot.evaluation.questions import Question
from qabot.linerank import LINE_RANKER, LineRanker
from qabot.refusal import LENIENT, NoAnswerRule, refused
from qabot.textnorm import match_key
from qabot.types import MODES, Answer, Confidence, Mode

if TYPE_CHECKING:  # pragma: no cover
    from qabot.engine import Engine, Gathered

NO_DISTRICT = "(none)"


class ReturnedPassage(TypedDict):
    """One of the top 3 passages, short, as a failure shows what came back instead."""

    rank: int
    chunk_id: str
    district: str
    text: str


class _FailureFields(TypedDict):
    id: str
    type: str
    question: str
    district: list[str]
    expected: list[str]
    reasons: list[str]
    rank: int | None
    no_answer: bool
    recognised_districts: list[str]
    returned: list[ReturnedPassage]


class Failure(_FailureFields, total=False):
    """A failed question in ``failures``; ``evidence_in`` is added by :func:`locate_evidence`."""

    evidence_in: list[str]


class _ResultFields(Summary):
    mode: str
    k: int
    errors: int
    by_type: dict[str, Summary]
    by_answer_type: dict[str, Summary]
    by_district: dict[str, Summary]
    failures: list[Failure]


class EvalResult(_ResultFields, total=False):
    """What ``qabot eval --json`` prints: mode, k, the :class:`Summary` of all questions,
    errors, the breakdowns and failures, then ``held_out`` (with ``--folds``) and ``seconds``."""

    held_out: HeldOut
    seconds: float


# ---------------------------------------------------------------------------- one question


@dataclass
class Outcome:
    """What the engine returned for one question, judged."""

    question: Question
    relevance: list[bool] = field(default_factory=list)  # top RANK_DEPTH passages
    no_answer: bool = True
    districts_returned: list[str] = field(default_factory=list)  # top k passages' districts
    recognised: list[str] = field(default_factory=list)  # districts the engine saw
    latency_ms: float = 0.0
    returned: list[ReturnedPassage] = field(default_factory=list)  # top passages, short
    answer: str = ""
    error: str = ""
    draft: str = ""  # the answer line before the refuse decision
    span: str | None = None  # the marked value of the draft
    answer_type: str = ""  # the type the engine expected
    confidence: Confidence = field(default_factory=Confidence)
    # what the engine found, decided again under each fold's line ranker (None: a reply)
    gathered: Gathered | None = field(default=None, repr=False, compare=False)

    @property
    def vector(self) -> np.ndarray | None:
        """The question's vector as the dense search saw it (``None``: a reply, an error, BM25)."""
        return None if self.gathered is None else self.gathered.vector

    @property
    def answer_hit(self) -> bool:
        """Answered, and the answer line holds an evidence phrase."""
        return not self.no_answer and is_relevant(self.draft, self.question.answers)

    @property
    def span_exact(self) -> bool:
        """Answered, and the marked value is one of the expected spans."""
        return (
            not self.no_answer
            and self.span is not None
            and match_key(self.span) in {match_key(s) for s in self.question.spans}
        )

    @property
    def rank(self) -> int | None:
        """1-based rank of the first answering passage (``None``: none in the top 10)."""
        return first_relevant_rank(self.relevance)

    @property
    def covered(self) -> bool:
        """Every labelled district has a passage in the top k (comparison coverage)."""
        return set(self.question.districts) <= set(self.districts_returned)


def judge(question: Question, answer: Answer, k: int, rule: NoAnswerRule | None = None) -> Outcome:
    """Compare one answer with the question's labels; with ``rule`` (the answer was asked
    with the lenient rule) the refuse decision is ``rule``'s."""
    passages = answer.passages
    return Outcome(
        question=question,
        relevance=[is_relevant(p.chunk.text, question.answers) for p in passages[:RANK_DEPTH]],
        no_answer=decide(answer, rule),
        draft=answer.answer,
        span=answer.answer_span.text if answer.answer_span else None,
        answer_type=answer.answer_type,
        confidence=answer.confidence,
        districts_returned=[p.chunk.district for p in passages[:k]],
        recognised=list(answer.districts),
        latency_ms=float(answer.latency_ms),
        returned=[
            {
                "rank": p.rank,
                "chunk_id": p.chunk.id,
                "district": p.chunk.district,
                "text": shorten(p.excerpt or p.chunk.text, 90),
            }
            for p in passages[:3]
        ],
        answer="" if decide(answer, rule) else answer.answer,
    )


def decide(answer: Answer, rule: NoAnswerRule | None) -> bool:
    """``no_answer`` of an answer asked with :data:`~qabot.refusal.LENIENT`, under ``rule``."""
    if rule is None:
        return answer.no_answer or not answer.passages
    return answer.no_answer or refused(rule, answer.confidence, bool(answer.passages))


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with …: a glimpse, for people."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def failure_reasons(outcome: Outcome, k: int) -> list[str]:
    """Why a question counts as failed (empty when it did not fail)."""
    q = outcome.question
    reasons = []
    if outcome.error:
        reasons.append(f"error: {outcome.error}")
    if q.answerable:
        rank = outcome.rank
        if rank is None or rank > k:
            reasons.append(
                f"no answering passage in top {k}" + (f" (first at rank {rank})" if rank else "")
            )
        if outcome.no_answer:
            reasons.append("refused (no_answer) although the documents answer it")
    elif not outcome.no_answer:
        reasons.append("answered although the documents do not cover it")
    if q.is_comparison and not outcome.covered:
        missing = [d for d in q.districts if d not in outcome.districts_returned]
        reasons.append(f"comparison: no passage of {'、'.join(missing)} in top {k}")
    return reasons


# ---------------------------------------------------------------------------- all questions


def _groups(
    outcomes: Sequence[Outcome], key: Callable[[Outcome], Iterable[str]]
) -> dict[str, list[Outcome]]:
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        for name in key(outcome):
            groups.setdefault(name, []).append(outcome)
    return groups


def _district_order(item: tuple[str, list[Outcome]]) -> tuple[int, str]:
    return (1 if item[0] == NO_DISTRICT else 0, item[0])


def _failure(outcome: Outcome, reasons: list[str]) -> Failure:
    q = outcome.question
    return {
        "id": q.id,
        "type": q.type,
        "question": q.question,
        "district": list(q.districts),
        "expected": list(q.answers),
        "reasons": reasons,
        "rank": outcome.rank,
        "no_answer": outcome.no_answer,
        "recognised_districts": outcome.recognised,
        "returned": outcome.returned,
    }


def evaluate_outcomes(outcomes: Sequence[Outcome], k: int, mode: str) -> EvalResult:
    """The result object ``qabot eval --json`` prints (without ``held_out`` and ``seconds``)."""
    by_type = _groups(outcomes, lambda o: [o.question.type])
    by_district = _groups(outcomes, lambda o: o.question.districts or (NO_DISTRICT,))
    by_answer = _groups(outcomes, lambda o: [o.question.answer_type or o.answer_type])
    return {
        "mode": mode,
        "k": k,
        **summarize(outcomes, k),
        "errors": sum(1 for o in outcomes if o.error),
        "by_type": {name: summarize(group, k) for name, group in sorted(by_type.items())},
        "by_answer_type": {name: summarize(group, k) for name, group in sorted(by_answer.items())},
        "by_district": {
            name: summarize(group, k)
            for name, group in sorted(by_district.items(), key=_district_order)
        },
        "failures": [_failure(o, reasons) for o in outcomes if (reasons := failure_reasons(o, k))],
    }


def ask_all(
    engine: Engine,
    questions: Sequence[Question],
    k: int,
    mode: Mode,
    progress: bool = False,
) -> list[Outcome]:
    """Ask every question once (``k = max(k, 10)``) and judge the answers."""
    from tqdm import tqdm

    depth = max(k, RANK_DEPTH)
    outcomes = []
    for question in tqdm(
        questions, desc=f"eval {mode}", unit="q", disable=None if progress else True, leave=False
    ):
        try:
            found = engine.gather(question.question, k=depth, mode=mode, qid=question.id)
        except QabotError as exc:
            # A question the engine rejects (emoji only, too long…) counts as a miss.
            outcomes.append(Outcome(question=question, error=str(exc)))
            continue
        if isinstance(found, Answer):  # a conversation act's reply
            outcomes.append(judge(question, found, k, engine.rule))
            continue
        answer = engine.decide(found, LENIENT)
        outcomes.append(replace(judge(question, answer, k, engine.rule), gathered=found))
    return outcomes


class LineChoices:
    """The answer lines of a question set chosen again by another ranker: what
    :func:`~qabot.evaluation.crossval.held_out` refits the line ranker per fold with."""

    def __init__(self, engine: Engine, outcomes: Sequence[Outcome], k: int) -> None:
        self.engine, self.outcomes, self.k = engine, outcomes, k
        # each question's candidate lines and their features (None: no ranker chooses it)
        self.choices = [self._choices(o) for o in outcomes]
        # the line the shipped ranker chose for each, which ``ask_all`` answered with
        self.shipped = [None if c is None else LINE_RANKER.choose(c[1]) for c in self.choices]
        self.groups = [self._group(o, c) for o, c in zip(outcomes, self.choices, strict=True)]

    @staticmethod
    def _choices(outcome: Outcome) -> tuple[list[str], np.ndarray] | None:
        """The lines a ranker chooses among for ``outcome`` and their features, or ``None``
        when no ranker's choice changes its answer (a comparison, no candidate line)."""
        found = outcome.gathered
        if found is None or found.query.comparison:
            return None
        sentences, features = line_choices(found.found[: found.k], found.query)
        return (sentences, features) if sentences else None

    @staticmethod
    def _group(
        outcome: Outcome, choices: tuple[list[str], np.ndarray] | None
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The candidates' features and which hold the evidence, for a question whose line
        the ranker chooses (not a comparison, not a fact about the documents)."""
        question, found = outcome.question, outcome.gathered
        if (
            choices is None
            or found is None
            or not question.answerable
            or found.about.fact is not None
        ):
            return None
        sentences, features = choices
        return features, np.array([is_relevant(s, question.answers) for s in sentences])

    def decide(self, ranker: LineRanker) -> list[Outcome]:
        """Every outcome again, its line chosen by ``ranker`` (the refusal still lenient):
        decided again only where ``ranker`` chooses another line than the shipped one, which
        chose the outcomes' lines (:func:`ask_all`)."""
        decided = []
        for o, c, shipped in zip(self.outcomes, self.choices, self.shipped, strict=True):
            if o.gathered is not None and c and ranker.choose(c[1]) != shipped:
                answer = self.engine.decide(o.gathered, LENIENT, ranker)
                o = replace(
                    judge(o.question, answer, self.k, self.engine.rule),
                    gathered=o.gathered,
                    latency_ms=o.latency_ms,
                )
            decided.append(o)
        return decided


def locate_evidence(engine: Engine, failures: list[Failure], limit: int = 3) -> None:
    """Add to each failure the ids of (up to ``limit``) indexed chunks that hold its evidence,
    which tells a retrieval miss (evidence indexed, not found) from a labelling or chunking
    problem (evidence nowhere)."""
    store = getattr(engine, "store", None)
    wanted = [f for f in failures if f["expected"]]
    if store is None or not wanted:
        return
    keys = [(chunk.id, match_key(chunk.text)) for chunk in store.iter_chunks()]
    for failure in wanted:
        phrases = [match_key(a) for a in failure["expected"]]
        found = [cid for cid, key in keys if any(p in key for p in phrases)]
        failure["evidence_in"] = found[:limit] + (["…"] if len(found) > limit else [])


def run_evaluation(
    engine: Engine,
    questions: Sequence[Question],
    k: int = 5,
    mode: Mode = "hybrid",
    progress: bool = False,
    folds: int = 0,
) -> EvalResult:
    """Metrics for one retrieval mode (definitions in :mod:`qabot.evaluation.metrics`); with
    ``folds`` ≥ 2 also the held-out figures of the refuse rule refitted per fold."""
    if mode not in MODES:
        raise UsageError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    started = time.perf_counter()
    outcomes = ask_all(engine, questions, k, mode, progress)
    result = evaluate_outcomes(outcomes, k, mode)
    if folds:
        lines = LineChoices(engine, outcomes, k)
        result["held_out"] = held_out(outcomes, k, folds, engine.rule, lines)
    locate_evidence(engine, result["failures"])
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result
