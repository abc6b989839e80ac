"""Held-out figures for what qabot fits on the question set — the answer-line ranker and
the answer/refuse rule: k-fold cross-validation over a question set.

Each question is searched once (with the lenient rule, so its draft answer and evidence are
known); the questions are split into K folds, stratified by answerable/unanswerable and by
type; for each fold the line ranker is fitted (:func:`qabot.linerank.fit`) on the other K−1
folds and every answer line chosen again with it, then the rule is fitted
(:func:`qabot.rulefit.fit`) on those folds' evidence and applied to this one. The held-out
metrics are computed over all questions, each answered by a ranker and decided by a rule
that never saw it — figures the fitted parts cannot flatter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, ClassVar, Protocol, TypeVar

import numpy as np

from qabot import linerank, topic
from qabot.candidates import FEATURES
from qabot.errors import UsageError
from qabot.evaluation.metrics import Judged, Summary, summarize
from qabot.evaluation.questions import Question
from qabot.linerank import LINE_RANKER, LineRanker
from qabot.refusal import NoAnswerRule, refused
from qabot.rulefit import fit, objective
from qabot.types import Confidence


class Decidable(Judged, Protocol):
    """A judged question whose refusal can be decided again (:class:`~.run.Outcome` is one;
    a dataclass, since the decided copy is made with :func:`dataclasses.replace`)."""

    __dataclass_fields__: ClassVar[dict[str, Any]]
    draft: str
    confidence: Confidence

    @property
    def vector(self) -> np.ndarray | None: ...


D = TypeVar("D", bound=Decidable)


class Lines(Protocol[D]):
    """The answer lines of the outcomes, to choose again: per outcome the candidates'
    features and which hold the evidence (``None``: its line is not the ranker's), and the
    outcomes again with the lines another ranker chooses."""

    @property
    def groups(self) -> Sequence[tuple[np.ndarray, np.ndarray] | None]: ...

    def decide(self, ranker: LineRanker) -> list[D]: ...


class HeldOut(Summary):
    """``held_out`` in ``qabot eval --folds K --json``: folds, the :class:`Summary` of all
    questions decided by rules that did not see them, the fitted rules, the rule fitted on
    all questions beside the one qabot ships, ``by_type``."""

    folds: int
    rules: list[dict[str, Any]]
    fitted_on_all: dict[str, Any]  # the rule to ship (refusal.NO_ANSWER_RULES)
    shipped: dict[str, Any]  # the rule the engine decides with
    # rulefit.objective of both on all questions: the grid's optimum lies on a ridge (less
    # coverage with more dense similarity scores alike), so another CPU's last-digit embedder
    # differences can move fitted_on_all along it while the shipped rule stays as good
    objective: dict[str, float]
    by_type: dict[str, Summary]
    line_ranker: dict[str, Any]  # the rankers of the folds, fitted on all, shipped
    topic: dict[str, Any]  # the off-topic check's held-out flags (qabot.topic)


def assign_folds(outcomes: Sequence[Decidable], folds: int) -> list[int]:
    """A fold for each question: stable (hash of the id), stratified by type and answerability."""
    order: dict[tuple[str, bool], list[int]] = {}
    for i, o in enumerate(outcomes):
        order.setdefault((o.question.type, o.question.answerable), []).append(i)
    assignment = [0] * len(outcomes)
    offset = 0
    for members in order.values():
        members.sort(key=lambda i: hashlib.sha1(outcomes[i].question.id.encode()).hexdigest())
        for position, i in enumerate(members):
            assignment[i] = (position + offset) % folds
        offset += len(members)
    return assignment


def held_out(
    outcomes: Sequence[D],
    k: int,
    folds: int,
    shipped: NoAnswerRule,
    lines: Lines[D] | None = None,
    shipped_ranker: LineRanker = LINE_RANKER,
) -> HeldOut:
    """The evaluation metrics with every question answered by a line ranker and decided by a
    rule fitted without it (``lines``: ``None`` keeps each outcome's line)."""
    if folds < 2 or folds > len(outcomes):
        raise UsageError(f"--folds must be between 2 and the number of questions, not {folds}")
    assignment = assign_folds(outcomes, folds)
    decided: list[D] = []
    rules, rankers = [], []
    for fold in range(folds):
        answered: Sequence[D] = outcomes
        if lines is not None:
            ranker = linerank.fit(_groups(lines, assignment, fold))
            rankers.append(ranker.weights)
            answered = lines.decide(ranker)
        answered = _topic_refitted(answered, assignment, fold)
        train = [o for o, f in zip(answered, assignment, strict=True) if f != fold and not o.error]
        rule = fit([(o.confidence, o.question.answerable) for o in train])
        rules.append(rule.__dict__)
        for o, f in zip(answered, assignment, strict=True):
            if f == fold:
                no_answer = bool(o.error) or refused(rule, o.confidence, bool(o.draft))
                decided.append(replace(o, no_answer=no_answer))
    by_type: dict[str, list[D]] = {}
    for o in decided:
        by_type.setdefault(o.question.type, []).append(o)
    samples = [(o.confidence, o.question.answerable) for o in outcomes if not o.error]
    fitted = fit(samples)
    return {
        "folds": folds,
        **summarize(decided, k),
        "rules": rules,
        "fitted_on_all": fitted.__dict__,
        "shipped": shipped.__dict__,
        "objective": {
            "fitted_on_all": round(objective(fitted, samples), 5),
            "shipped": round(objective(shipped, samples), 5),
        },
        "by_type": {name: summarize(group, k) for name, group in sorted(by_type.items())},
        "line_ranker": {} if lines is None else _rankers(lines, rankers, shipped_ranker),
        "topic": {
            "off_topic_flagged": _flagged(decided, lambda q: q.type == topic.OFF_TOPIC),
            "answerable_flagged": _flagged(decided, lambda q: q.answerable),
        },
    }


def _topic_refitted(outcomes: Sequence[D], assignment: Sequence[int], fold: int) -> list[D]:
    """The outcomes with the off-topic check (:mod:`qabot.topic`) refitted without ``fold``."""
    train = [
        (o.question, v)
        for o, f in zip(outcomes, assignment, strict=True)
        if f != fold and not o.error and (v := o.vector) is not None
    ]
    check = None
    if train:
        check = topic.fit(
            np.stack([v for _, v in train]),
            [q.type == topic.OFF_TOPIC and not q.answerable for q, _ in train],
            [q.answerable for q, _ in train],
        )
    return [
        replace(
            o,
            confidence=replace(o.confidence, off_topic=check is not None and check.flags(o.vector)),
        )
        for o in outcomes
    ]


def _flagged(decided: Sequence[Decidable], kind: Callable[[Question], bool]) -> float | None:
    """The share of the questions of ``kind`` the held-out check flags off-topic."""
    flags = [o.confidence.off_topic for o in decided if kind(o.question)]
    return round(sum(flags) / len(flags), 4) if flags else None


def _groups(
    lines: Lines[D], assignment: Sequence[int], fold: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The line groups outside ``fold``."""
    return [g for g, f in zip(lines.groups, assignment, strict=True) if g is not None and f != fold]


def _rankers(
    lines: Lines[D], folds: list[tuple[float, ...]], shipped: LineRanker
) -> dict[str, Any]:
    """The folds' rankers, the one fitted on all questions (to ship: linerank.LINE_RANKER) and
    the shipped one, with the share of questions whose chosen line holds the evidence."""
    every = [g for g in lines.groups if g is not None]
    fitted = linerank.fit(every)
    return {
        "features": list(FEATURES),
        "folds": [list(w) for w in folds],
        "fitted_on_all": list(fitted.weights),
        "shipped": list(shipped.weights),
        "line_hit": {
            "fitted_on_all": round(linerank.line_hit(fitted, every), 4),
            "shipped": round(linerank.line_hit(shipped, every), 4),
        },
    }
