"""Which sentence answers: a choice learned from the question set, not a hand-set rule.

Every sentence of the top passages is a candidate (:mod:`qabot.candidates`); each is described
by a few numbers (:data:`FEATURES`: how much of the focus it holds, verbatim and through
words near in meaning, its passage's rank and scores, whether a value of the expected type
sits near the focus, the time asked, how many of the question's characters it shares…) and
scored by a linear :class:`LineRanker`. The weights are those of a conditional logit
(:func:`fit`: softmax over one question's candidates, the sentences holding the evidence as
the answer) fitted on the question set; ``qabot eval --folds K`` refits them on K−1 folds
and reports the held-out fold (docs/evaluation.md, "eleventh round").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qabot.candidates import FEATURES

L2 = 0.03  # ridge on the weights (held out: 0.01, 0.03, 0.1 and, in a first trial, 1 and 10)
NEWTON_STEPS = 25


@dataclass(frozen=True)
class LineRanker:
    """A weight per feature of :data:`FEATURES`; the answer is the best-scored candidate."""

    weights: tuple[float, ...]

    def choose(self, features: np.ndarray) -> int:
        """The row of ``features`` (one candidate a row) that answers."""
        return int(np.argmax(features @ np.asarray(self.weights)))


def fit(groups: Sequence[tuple[np.ndarray, np.ndarray]], l2: float = L2) -> LineRanker:
    """The conditional logit of ``groups`` (one per question: its candidates' features and
    whether each holds the evidence; groups without one are skipped): the weights that
    maximise the mean log-probability of the evidence sentences, less a ridge — convex, one
    optimum, found by Newton's method with step halving."""
    kept = [(x, y / y.sum()) for x, y in ((x, np.asarray(y, float)) for x, y in groups) if y.any()]
    w = np.zeros(len(FEATURES))
    if not kept:
        return LineRanker(tuple(float(v) for v in w))
    # all candidates in one array, each question a run of rows: one pass of numpy a step
    x = np.vstack([rows for rows, _ in kept])
    target = np.concatenate([share for _, share in kept])
    sizes = np.array([len(share) for _, share in kept])
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))

    def softmax(w: np.ndarray) -> tuple[np.ndarray, float]:
        """Each candidate's probability within its question, and the loss at ``w``."""
        s = x @ w
        top = np.maximum.reduceat(s, starts)
        e = np.exp(s - np.repeat(top, sizes))
        z = np.add.reduceat(e, starts)
        loss = l2 * float(w @ w) / 2 - (float(target @ s) - top.sum() - np.log(z).sum())
        return e / np.repeat(z, sizes), loss

    p, current = softmax(w)
    for _ in range(NEWTON_STEPS):
        mean = np.add.reduceat(x * p[:, None], starts)  # a question's expected features
        gradient = l2 * w - (target - p) @ x
        hessian = l2 * np.eye(len(w)) + (x * p[:, None]).T @ x - mean.T @ mean
        step = np.linalg.solve(hessian, gradient)
        while (trial := softmax(w - step))[1] > current and np.abs(step).max() > 1e-9:
            step /= 2
        w, improved, (p, current) = w - step, current - trial[1], trial
        if improved < 1e-7 * max(1.0, abs(current)):
            break
    return LineRanker(tuple(round(float(v), 4) for v in w))


def line_hit(ranker: LineRanker, groups: Sequence[tuple[np.ndarray, np.ndarray]]) -> float:
    """Share of the groups (with an evidence sentence) whose chosen sentence holds it."""
    held = [(x, y) for x, y in groups if np.any(y)]
    return sum(bool(y[ranker.choose(x)]) for x, y in held) / (len(held) or 1)


# Fitted on all of tests/data/questions.jsonl by `qabot eval --folds 5` ("fitted_on_all" of
# its "line_ranker"); the README reports the held-out figures.
LINE_RANKER = LineRanker(
    (
        2.0975,  # focus_of_best
        4.1732,  # focus_share
        -6.0381,  # focus_verbatim
        0.3008,  # best
        0.1144,  # rank2
        -0.2009,  # rank3
        -0.1469,  # rank4
        0.0848,  # rank5
        4.7507,  # fused
        6.0674,  # dense_gap
        1.06,  # bm25
        1.5308,  # value_at_focus
        1.061,  # value_elsewhere
        3.3483,  # value
        1.56,  # timed
        -0.527,  # log_length
        -0.3502,  # opens_passage
        4.766,  # characters
        1.6228,  # quotes
        -1.7171,  # speaker
        -1.5827,  # defines
        13.2651,  # closeness
        1.0247,  # closeness_rank
        1.2215,  # enumerates
        1.1998,  # asked_about
        0.3792,  # names
        11.6817,  # english_closeness
        2.1805,  # english_focus
        3.8164,  # kind
    )
)
