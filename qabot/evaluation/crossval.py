"""Held-out figures for the answer/refuse rule: k-fold cross-validation over a question set.

Each question is asked once (with the lenient rule, so its draft answer and evidence are
known); the questions are split into K folds, stratified by answerable/unanswerable and by
type; for each fold the rule is fitted (:func:`qabot.refusal.fit`) on the other K−1 folds
and applied to this one. The held-out metrics are computed over all questions, each decided
by a rule that never saw it — figures the fitted rule cannot flatter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, ClassVar, Protocol, TypeVar

from qabot.errors import UsageError
from qabot.evaluation.metrics import Judged, Summary, summarize
from qabot.refusal import NoAnswerRule, fit, objective, refused
from qabot.types import Confidence


class Decidable(Judged, Protocol):
    """A judged question whose refusal can be decided again (:class:`~.run.Outcome` is one;
    a dataclass, since the decided copy is made with :func:`dataclasses.replace`)."""

    __dataclass_fields__: ClassVar[dict[str, Any]]
    draft: str
    confidence: Confidence


D = TypeVar("D", bound=Decidable)


class HeldOut(Summary):
    """``held_out`` in ``qabot eval --folds K --json``: folds, the :class:`Summary` of all
    questions decided by rules that did not see them, the fitted rules, the rule fitted on
    all questions beside the one qabot ships, ``by_type``."""

    folds: int
    rules: list[dict[str, Any]]
    fitted_on_all: dict[str, Any]  # the rule to ship (refusal.NO_ANSWER_RULES)
    shipped: dict[str, Any]  # the rule the engine decides with
    # refusal.objective of both on all questions: the grid's optimum lies on a ridge (less
    # coverage with more dense similarity scores alike), so another CPU's last-digit embedder
    # differences can move fitted_on_all along it while the shipped rule stays as good
    objective: dict[str, float]
    by_type: dict[str, Summary]


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


def held_out(outcomes: Sequence[D], k: int, folds: int, shipped: NoAnswerRule) -> HeldOut:
    """The evaluation metrics with every question decided by a rule fitted without it."""
    if folds < 2 or folds > len(outcomes):
        raise UsageError(f"--folds must be between 2 and the number of questions, not {folds}")
    assignment = assign_folds(outcomes, folds)
    decided: list[D] = []
    rules = []
    for fold in range(folds):
        train = [o for o, f in zip(outcomes, assignment, strict=True) if f != fold and not o.error]
        rule = fit([(o.confidence, o.question.answerable) for o in train])
        rules.append(rule.__dict__)
        for o, f in zip(outcomes, assignment, strict=True):
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
    }
