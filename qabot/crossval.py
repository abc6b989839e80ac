"""Held-out figures for the answer/refuse rule: k-fold cross-validation over a question set.

Each question is asked once (with the lenient rule, so its draft answer and evidence are
known); the questions are split into K folds, stratified by answerable/unanswerable and by
type; for each fold the rule is fitted (:func:`qabot.decision.fit`) on the other K−1 folds
and applied to this one. The held-out metrics are computed over all questions, each decided
by a rule that never saw it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from qabot.decision import fit
from qabot.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from qabot.evaluation import Outcome


def assign_folds(outcomes: Sequence[Outcome], folds: int) -> list[int]:
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


def held_out(outcomes: Sequence[Outcome], k: int, folds: int) -> dict[str, Any]:
    """The evaluation metrics with every question decided by a rule fitted without it."""
    from qabot.evaluation import summarize

    if folds < 2 or folds > len(outcomes):
        raise UsageError(f"--folds must be between 2 and the number of questions, not {folds}")
    assignment = assign_folds(outcomes, folds)
    decided: list[Outcome] = []
    rules = []
    for fold in range(folds):
        train = [o for o, f in zip(outcomes, assignment, strict=True) if f != fold and not o.error]
        rule = fit([(o.confidence, o.question.answerable) for o in train])
        rules.append(rule.__dict__)
        for o, f in zip(outcomes, assignment, strict=True):
            if f == fold:
                refused = bool(o.error) or not o.draft or rule.refuses(o.confidence)
                decided.append(replace(o, no_answer=refused))
    result = {"folds": folds, **summarize(decided, k), "rules": rules}
    by_type: dict[str, list[Outcome]] = {}
    for o in decided:
        by_type.setdefault(o.question.type, []).append(o)
    result["by_type"] = {name: summarize(group, k) for name, group in sorted(by_type.items())}
    return result
