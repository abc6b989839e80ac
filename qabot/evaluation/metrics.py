"""The metrics of ``qabot eval``, as pure functions of relevance lists and judged questions.

Definitions — each one can be recomputed from ``qabot ask --batch --json --k 10`` output:

* Every question is asked once, with ``k = max(k, 10)``; ranking metrics look at the first
  10 passages, ``no_answer`` comes from that same call, coverage from the first ``k``.
* A passage is *relevant* when it contains one of the question's evidence phrases after
  :func:`qabot.textnorm.match_key` normalisation (NFKC, Traditional → Simplified, no
  whitespace).
* ``hit@n``: fraction of answerable questions with an answering passage among the first n.
* ``mrr@10``: mean of 1/rank of the first answering passage (0 when none in the top 10).
* ``ndcg@10``: binary relevance; DCG = Σ rel_i / log2(i + 1) over ranks 1..10, divided by
  the DCG of the same top 10 reordered ideally (relevant passages first), 0 when none is
  relevant. The ideal is taken over the returned passages, so it needs nothing but the output.
* ``answerable_refused``: fraction of answerable questions with ``no_answer`` true (lower is
  better); ``unanswerable_refused``: fraction of unanswerable questions with ``no_answer``
  true (higher is better).
* ``comparison_coverage``: fraction of questions labelled with two or more districts whose
  first ``k`` passages include a passage of every labelled district.
* ``latency_p50_ms``/``latency_p95_ms``: percentiles (linear interpolation) of the answers'
  ``latency_ms``, all questions.

Fractions are rounded to 4 places and are ``None`` (JSON ``null``) over no questions: a rate
of nothing is undefined, not 0. This module knows nothing of the engine, so the baseline
script (``scripts/compare_baselines.py``) scores other retrievers with the same code.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Protocol, TypedDict

from qabot.evaluation.questions import Question
from qabot.textnorm import match_key

RANK_DEPTH = 10
HIT_AT = (1, 3, 5, 10)
# The metrics tables and charts show, in order (hit@n follows HIT_AT).
METRIC_KEYS = (
    *(f"hit@{n}" for n in HIT_AT),
    "mrr@10",
    "ndcg@10",
    "answerable_refused",
    "unanswerable_refused",
    "comparison_coverage",
    "answer_hit",
    "span_exact",
)

# The ranking metrics of a group of questions (keys are not identifiers, hence this form).
RankingMetrics = TypedDict(
    "RankingMetrics",
    {
        "hit@1": float | None,
        "hit@3": float | None,
        "hit@5": float | None,
        "hit@10": float | None,
        "mrr@10": float | None,
        "ndcg@10": float | None,
    },
)


class Summary(RankingMetrics):
    """The metrics of a group of questions, as ``qabot eval --json`` prints them (overall, per
    type, per district). Printed in the order of the fields below, with the ranking metrics
    right after ``answerable``."""

    questions: int
    answerable: int
    answerable_refused: float | None
    unanswerable: int
    unanswerable_refused: float | None
    answer_hit: float | None
    span_questions: int
    span_exact: float | None
    comparisons: int
    comparison_coverage: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None


class Judged(Protocol):
    """What :func:`summarize` reads of one judged question (:class:`~.run.Outcome` is one).

    A protocol, so this module does not depend on the code that asks the engine."""

    question: Question
    relevance: list[bool]  # the top RANK_DEPTH passages, best first
    no_answer: bool
    latency_ms: float
    error: str

    @property
    def answer_hit(self) -> bool: ...

    @property
    def span_exact(self) -> bool: ...

    @property
    def covered(self) -> bool: ...


# ---------------------------------------------------------------------------- one ranking


def is_relevant(passage_text: str, answers: Iterable[str]) -> bool:
    """True when the passage contains one of the evidence phrases (after :func:`match_key`)."""
    key = match_key(passage_text)
    return any(match_key(a) in key for a in answers)


def first_relevant_rank(relevance: Sequence[bool]) -> int | None:
    """1-based rank of the first relevant passage, ``None`` when there is none."""
    return next((i for i, rel in enumerate(relevance, start=1) if rel), None)


def hit_at(relevance: Sequence[bool], n: int) -> float:
    """1.0 when a relevant passage is among the first ``n``: what a reader scanning n finds."""
    return 1.0 if any(relevance[:n]) else 0.0


def reciprocal_rank(relevance: Sequence[bool], depth: int = RANK_DEPTH) -> float:
    """1/rank of the first relevant passage within ``depth``, 0 without one: rewards rank 1."""
    rank = first_relevant_rank(relevance[:depth])
    return 1.0 / rank if rank else 0.0


def ndcg(relevance: Sequence[bool], depth: int = RANK_DEPTH) -> float:
    """Binary-relevance nDCG of the first ``depth`` results, ideal = same results sorted."""
    rels = [1.0 if r else 0.0 for r in relevance[:depth]]
    dcg = sum(rel / math.log2(i + 1) for i, rel in enumerate(rels, start=1))
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, int(sum(rels)) + 1))
    return dcg / ideal if ideal else 0.0


# ---------------------------------------------------------------------------- aggregation


def percentile(values: Sequence[float], q: float) -> float | None:
    """Percentile with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ratio(part: float, whole: int) -> float | None:
    """``part / whole`` rounded to 4 places; ``None`` over no questions (undefined, not 0)."""
    return round(part / whole, 4) if whole else None


def ranking_metrics(relevances: Sequence[Sequence[bool]]) -> RankingMetrics:
    """hit@n, mrr@10 and ndcg@10 averaged over rankings, one per answerable question."""
    count = len(relevances)

    def hits(n: int) -> float | None:
        return ratio(sum(hit_at(r, n) for r in relevances), count)

    return {  # hit@n for each n of HIT_AT
        "hit@1": hits(1),
        "hit@3": hits(3),
        "hit@5": hits(5),
        "hit@10": hits(10),
        "mrr@10": ratio(sum(reciprocal_rank(r) for r in relevances), count),
        "ndcg@10": ratio(sum(ndcg(r) for r in relevances), count),
    }


def summarize(outcomes: Sequence[Judged], k: int) -> Summary:
    """The metrics of a group of judged questions (None where a metric has no questions)."""
    answerable = [o for o in outcomes if o.question.answerable]
    unanswerable = [o for o in outcomes if not o.question.answerable]
    comparisons = [o for o in outcomes if o.question.is_comparison]
    spans = [o for o in outcomes if o.question.spans]
    latencies = [o.latency_ms for o in outcomes if not o.error]
    p50, p95 = (percentile(latencies, q) for q in (50, 95))
    return {
        "questions": len(outcomes),
        "answerable": len(answerable),
        **ranking_metrics([o.relevance for o in answerable]),
        "answerable_refused": ratio(sum(o.no_answer for o in answerable), len(answerable)),
        "unanswerable": len(unanswerable),
        "unanswerable_refused": ratio(sum(o.no_answer for o in unanswerable), len(unanswerable)),
        "answer_hit": ratio(sum(o.answer_hit for o in answerable), len(answerable)),
        "span_questions": len(spans),
        "span_exact": ratio(sum(o.span_exact for o in spans), len(spans)),
        "comparisons": len(comparisons),
        "comparison_coverage": ratio(sum(o.covered for o in comparisons), len(comparisons)),
        "latency_p50_ms": round(p50, 1) if p50 is not None else None,
        "latency_p95_ms": round(p95, 1) if p95 is not None else None,
    }
