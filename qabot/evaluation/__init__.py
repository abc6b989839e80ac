"""``qabot eval``: retrieval quality on a question set, in numbers, and where it fails.

Modules, one concept each, imported in this order (none imports a later one):
:mod:`.questions` (the labelled JSONL set), :mod:`.metrics` (relevance, hit@n, MRR, nDCG,
percentiles, a group's :class:`Summary`; the definitions are in its docstring),
:mod:`.crossval` (held-out figures of the refuse rule), :mod:`.run` (ask the engine, judge,
the :class:`EvalResult` that ``qabot eval --json`` prints) and :mod:`.report` (terminal
tables, the Markdown report with charts). See docs/evaluation.md.
"""

from qabot.evaluation.crossval import HeldOut, assign_folds, held_out
from qabot.evaluation.metrics import (
    HIT_AT,
    METRIC_KEYS,
    RANK_DEPTH,
    Judged,
    RankingMetrics,
    Summary,
    first_relevant_rank,
    hit_at,
    is_relevant,
    ndcg,
    percentile,
    ranking_metrics,
    ratio,
    reciprocal_rank,
    summarize,
)
from qabot.evaluation.questions import UNANSWERABLE, Question, load_questions, parse_question
from qabot.evaluation.report import format_table, render_table, write_report
from qabot.evaluation.run import (
    NO_DISTRICT,
    EvalResult,
    Failure,
    Outcome,
    ask_all,
    decide,
    evaluate_outcomes,
    failure_reasons,
    judge,
    locate_evidence,
    run_evaluation,
)

__all__ = [
    "HIT_AT",
    "METRIC_KEYS",
    "NO_DISTRICT",
    "RANK_DEPTH",
    "UNANSWERABLE",
    "EvalResult",
    "Failure",
    "HeldOut",
    "Judged",
    "Outcome",
    "Question",
    "RankingMetrics",
    "Summary",
    "ask_all",
    "assign_folds",
    "decide",
    "evaluate_outcomes",
    "failure_reasons",
    "first_relevant_rank",
    "format_table",
    "held_out",
    "hit_at",
    "is_relevant",
    "judge",
    "load_questions",
    "locate_evidence",
    "ndcg",
    "parse_question",
    "percentile",
    "ranking_metrics",
    "ratio",
    "reciprocal_rank",
    "render_table",
    "run_evaluation",
    "summarize",
    "write_report",
]
