"""Is a question about what such documents speak of at all? A check learned by meaning.

Questions no work report answers — tomorrow's weather, a recipe, the price of a flat, a
film to watch — often share words with the documents (北辰区, 多少钱, 医院) and come close
enough in dense similarity to pass the thresholds of :mod:`qabot.refusal`. Lists of service
cues (:mod:`qabot.services`) catch the kinds someone wrote down; this catches the kinds
nobody listed: a logistic regression over the question's own vector (the one the dense
search makes anyway, so it costs a dot product), fitted on the question set's ``off-topic``
lines against its answerable ones (:func:`fit`). The threshold lets through all but
:data:`ANSWERABLE_FLAGGED` of the answerable questions it was fitted on.

``qabot eval --folds K`` refits it on K−1 folds and reports the held-out fold; the check
shipped for an embedder (``data/topic-<embedder>.json``, written by
``scripts/fit_topic.py``) is the one fitted on all questions. An embedder without one (another
model's vectors mean other things) is never flagged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import numpy as np

OFF_TOPIC = "off-topic"  # the question set's type of the questions the check learns to flag
ANSWERABLE_FLAGGED = 0.005  # share of the fitted-on answerable questions the threshold flags
# ridge, chosen leaving out one batch at a time (18 batches): 0.1, 0.3 and 1 flag 164, 162 and
# 146 of the 200 off-topic lines, 15, 14 and 13 of the 2084 answerable ones
L2 = 0.3
NEWTON_STEPS = 30


@dataclass(frozen=True)
class TopicCheck:
    """A linear score of the question's vector; above ``threshold`` it is off-topic."""

    weights: tuple[float, ...]
    bias: float
    threshold: float

    def score(self, vector: np.ndarray) -> float:
        """The log-odds that the question is off-topic."""
        return float(np.asarray(vector) @ np.asarray(self.weights) + self.bias)

    def flags(self, vector: np.ndarray | None) -> bool:
        """The question of ``vector`` is off-topic (``None``: no vector, never)."""
        return vector is not None and self.score(vector) > self.threshold


def fit(
    vectors: np.ndarray, off_topic: Sequence[bool], answerable: Sequence[bool]
) -> TopicCheck | None:
    """The check fitted on question ``vectors`` (one a row): a ridge logistic regression,
    off-topic against the rest, each class weighed alike (a few hundred off-topic lines
    against thousands), found by Newton's method; the threshold flags
    :data:`ANSWERABLE_FLAGGED` of the ``answerable`` ones. ``None`` without off-topic lines."""
    y = np.asarray(off_topic, dtype=float)
    if not y.any() or y.all():
        return None
    x = np.hstack([np.asarray(vectors, dtype=float), np.ones((len(y), 1))])
    weight = np.where(y > 0, 0.5 / y.sum(), 0.5 / (1 - y).sum()) * len(y)
    ridge = np.full(x.shape[1], L2)
    ridge[-1] = 0.0  # the bias is not shrunk
    w = np.zeros(x.shape[1])
    for _ in range(NEWTON_STEPS):
        p = 1 / (1 + np.exp(-(x @ w)))
        gradient = x.T @ (weight * (p - y)) + ridge * w
        hessian = (x * (weight * p * (1 - p))[:, None]).T @ x + np.diag(ridge + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    answerable_scores = (x @ w)[np.asarray(answerable, dtype=bool) & (y == 0)]
    threshold = (
        float(np.quantile(answerable_scores, 1 - ANSWERABLE_FLAGGED))
        if len(answerable_scores)
        else 0.0
    )
    return TopicCheck(tuple(float(v) for v in w[:-1]), float(w[-1]), threshold)


def save(check: TopicCheck, path: Path) -> None:
    """Write ``check`` as JSON (weights rounded to 6 decimals: a few kB)."""
    data = asdict(check)
    data["weights"] = [round(v, 6) for v in check.weights]
    path.write_text(json.dumps(data) + "\n", encoding="utf-8")


def shipped(embedder_id: str) -> TopicCheck | None:
    """The check shipped for ``embedder_id`` (``None``: none fitted for that model)."""
    source = resources.files("qabot") / "data" / f"topic-{embedder_id}.json"
    if not source.is_file():
        return None
    data = json.loads(source.read_text(encoding="utf-8"))
    return TopicCheck(tuple(data["weights"]), data["bias"], data["threshold"])
