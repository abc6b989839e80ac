"""``qabot eval``: retrieval quality on a question set, in numbers, and where it fails.

A question set is JSONL (format in DESIGN.md), one object a line::

    {"id": "q1", "question": "北辰区种了多少亩春小麦？", "answers": ["种植春小麦6550亩"],
     "district": "北辰区", "type": "fact"}

``answers`` are evidence phrases: a passage *answers* the question when it contains one of
them after :func:`qabot.textnorm.match_key` normalisation (NFKC, Traditional → Simplified,
no whitespace), so labels survive re-chunking. ``answers: []`` marks a question the
documents cannot answer. ``district`` is a *label* (for the per-district breakdown and for
comparison coverage); it is never passed to the engine: the bot has to recognise districts
in the question itself.

Definitions — each one can be recomputed from ``qabot ask --batch --json --k 10`` output:

* Every question is asked once, with ``k = max(k, 10)``; ranking metrics look at the first
  10 passages, ``no_answer`` comes from that same call, coverage from the first ``k``.
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

``by_type`` and ``by_district`` hold the same metrics per group; a question labelled with
several districts counts in each of them, one with no district in ``(none)``.
"""

from __future__ import annotations

import json
import math
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qabot.decision import LENIENT, NoAnswerRule
from qabot.errors import QabotError, UsageError
from qabot.textnorm import match_key
from qabot.types import MODES, Confidence, Mode

if TYPE_CHECKING:  # pragma: no cover
    from qabot.engine import Engine
    from qabot.types import Answer

RANK_DEPTH = 10
HIT_AT = (1, 3, 5, 10)
NO_DISTRICT = "(none)"
UNANSWERABLE = "unanswerable"
REPORT_NAME = "eval-report.md"
CHART_NAME = "eval-modes.png"
CHART_TYPES_NAME = "eval-types.png"
METRIC_KEYS = (
    "hit@1",
    "hit@3",
    "hit@5",
    "hit@10",
    "mrr@10",
    "ndcg@10",
    "answerable_refused",
    "unanswerable_refused",
    "comparison_coverage",
    "answer_hit",
    "span_exact",
)


# ---------------------------------------------------------------------------- question sets


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
        return bool(self.answers)

    @property
    def is_comparison(self) -> bool:
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


# ---------------------------------------------------------------------------- metric functions


def is_relevant(passage_text: str, answers: Iterable[str]) -> bool:
    """True when the passage contains one of the evidence phrases (after :func:`match_key`)."""
    key = match_key(passage_text)
    return any(match_key(a) in key for a in answers)


def first_relevant_rank(relevance: Sequence[bool]) -> int | None:
    """1-based rank of the first relevant passage, ``None`` when there is none."""
    return next((i for i, rel in enumerate(relevance, start=1) if rel), None)


def hit_at(relevance: Sequence[bool], n: int) -> float:
    return 1.0 if any(relevance[:n]) else 0.0


def reciprocal_rank(relevance: Sequence[bool], depth: int = RANK_DEPTH) -> float:
    rank = first_relevant_rank(relevance[:depth])
    return 1.0 / rank if rank else 0.0


def ndcg(relevance: Sequence[bool], depth: int = RANK_DEPTH) -> float:
    """Binary-relevance nDCG of the first ``depth`` results, ideal = same results sorted."""
    rels = [1.0 if r else 0.0 for r in relevance[:depth]]
    dcg = sum(rel / math.log2(i + 1) for i, rel in enumerate(rels, start=1))
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, int(sum(rels)) + 1))
    return dcg / ideal if ideal else 0.0


def percentile(values: Sequence[float], q: float) -> float | None:
    """Percentile with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# ---------------------------------------------------------------------------- one run


@dataclass
class Outcome:
    """What the engine returned for one question, judged."""

    question: Question
    relevance: list[bool] = field(default_factory=list)  # top RANK_DEPTH passages
    no_answer: bool = True
    districts_returned: list[str] = field(default_factory=list)  # top k passages' districts
    recognised: list[str] = field(default_factory=list)  # districts the engine saw
    latency_ms: float = 0.0
    returned: list[dict] = field(default_factory=list)  # top passages, short
    answer: str = ""
    error: str = ""
    draft: str = ""  # the answer line before the refuse decision
    span: str | None = None  # the marked value of the draft
    answer_type: str = ""  # the type the engine expected
    confidence: Confidence = field(default_factory=Confidence)

    @property
    def answer_hit(self) -> bool:
        """Answered, and the answer line holds an evidence phrase."""
        return not self.no_answer and is_relevant(self.draft, self.question.answers)

    @property
    def span_exact(self) -> bool:
        return (
            not self.no_answer
            and self.span is not None
            and match_key(self.span) in {match_key(s) for s in self.question.spans}
        )

    @property
    def rank(self) -> int | None:
        return first_relevant_rank(self.relevance)

    @property
    def covered(self) -> bool:
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
                "text": _short(p.excerpt or p.chunk.text, 90),
            }
            for p in passages[:3]
        ],
        answer="" if decide(answer, rule) else answer.answer,
    )


def decide(answer: Answer, rule: NoAnswerRule | None) -> bool:
    """``no_answer`` of an answer asked with :data:`~qabot.decision.LENIENT`, under ``rule``."""
    refused = rule is not None and rule.refuses(answer.confidence)
    return answer.no_answer or not answer.passages or refused


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def summarize(outcomes: Sequence[Outcome], k: int) -> dict[str, Any]:
    """The metrics of a group of judged questions (None where a metric has no questions)."""
    answerable = [o for o in outcomes if o.question.answerable]
    unanswerable = [o for o in outcomes if not o.question.answerable]
    comparisons = [o for o in outcomes if o.question.is_comparison]
    metrics: dict[str, Any] = {"questions": len(outcomes), "answerable": len(answerable)}
    for n in HIT_AT:
        metrics[f"hit@{n}"] = _ratio(
            sum(hit_at(o.relevance, n) == 1 for o in answerable), len(answerable)
        )
    metrics["mrr@10"] = (
        round(sum(reciprocal_rank(o.relevance) for o in answerable) / len(answerable), 4)
        if answerable
        else None
    )
    metrics["ndcg@10"] = (
        round(sum(ndcg(o.relevance) for o in answerable) / len(answerable), 4)
        if answerable
        else None
    )
    metrics["answerable_refused"] = _ratio(sum(o.no_answer for o in answerable), len(answerable))
    metrics["unanswerable"] = len(unanswerable)
    metrics["unanswerable_refused"] = _ratio(
        sum(o.no_answer for o in unanswerable), len(unanswerable)
    )
    metrics["answer_hit"] = _ratio(sum(o.answer_hit for o in answerable), len(answerable))
    spans = [o for o in outcomes if o.question.spans]
    metrics["span_questions"] = len(spans)
    metrics["span_exact"] = _ratio(sum(o.span_exact for o in spans), len(spans))
    metrics["comparisons"] = len(comparisons)
    metrics["comparison_coverage"] = _ratio(sum(o.covered for o in comparisons), len(comparisons))
    latencies = [o.latency_ms for o in outcomes if not o.error]
    for q in (50, 95):
        value = percentile(latencies, q)
        metrics[f"latency_p{q}_ms"] = round(value, 1) if value is not None else None
    return metrics


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


def _groups(
    outcomes: Sequence[Outcome], key: Callable[[Outcome], Iterable[str]]
) -> dict[str, list]:
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        for name in key(outcome):
            groups.setdefault(name, []).append(outcome)
    return groups


def evaluate_outcomes(outcomes: Sequence[Outcome], k: int, mode: str) -> dict[str, Any]:
    """The result object ``qabot eval --json`` prints."""
    result: dict[str, Any] = {"mode": mode, "k": k, **summarize(outcomes, k)}
    result["errors"] = sum(1 for o in outcomes if o.error)
    by_type = _groups(outcomes, lambda o: [o.question.type])
    result["by_type"] = {name: summarize(group, k) for name, group in sorted(by_type.items())}
    by_district = _groups(outcomes, lambda o: o.question.districts or (NO_DISTRICT,))
    by_answer = _groups(outcomes, lambda o: [o.question.answer_type or o.answer_type])
    result["by_answer_type"] = {
        name: summarize(group, k) for name, group in sorted(by_answer.items())
    }
    result["by_district"] = {
        name: summarize(group, k)
        for name, group in sorted(by_district.items(), key=_district_order)
    }
    result["failures"] = [
        {
            "id": o.question.id,
            "type": o.question.type,
            "question": o.question.question,
            "district": list(o.question.districts),
            "expected": list(o.question.answers),
            "reasons": reasons,
            "rank": o.rank,
            "no_answer": o.no_answer,
            "recognised_districts": o.recognised,
            "returned": o.returned,
        }
        for o in outcomes
        if (reasons := failure_reasons(o, k))
    ]
    return result


def _district_order(item: tuple[str, list]) -> tuple[int, str]:
    return (1 if item[0] == NO_DISTRICT else 0, item[0])


def ask_all(
    engine: Engine,
    questions: Sequence[Question],
    k: int,
    mode: str,
    progress: bool = False,
) -> list[Outcome]:
    """Ask every question once (``k = max(k, 10)``) and judge the answers."""
    from tqdm import tqdm

    depth = max(k, RANK_DEPTH)
    rule = engine.rule
    outcomes = []
    for question in tqdm(
        questions, desc=f"eval {mode}", unit="q", disable=None if progress else True, leave=False
    ):
        try:
            answer = engine.ask(
                question.question, k=depth, mode=mode, qid=question.id, rule=LENIENT
            )
        except QabotError as exc:
            # A question the engine rejects (emoji only, too long…) counts as a miss.
            outcomes.append(Outcome(question=question, error=str(exc)))
            continue
        outcomes.append(judge(question, answer, k, rule))
    return outcomes


def locate_evidence(engine: Engine, failures: list[dict], limit: int = 3) -> None:
    """Add to each failure the ids of (up to ``limit``) indexed chunks that hold its evidence,
    which tells a retrieval miss (evidence indexed, not found) from a labelling or chunking
    problem (evidence nowhere)."""
    store = getattr(engine, "store", None)
    wanted = [f for f in failures if f["expected"]]
    if store is None or not wanted:
        return
    keys = [(chunk.id, match_key(chunk.text)) for chunk in store.chunks]
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
) -> dict[str, Any]:
    """Metrics for one retrieval mode (see the module docstring for the definitions); with
    ``folds`` ≥ 2 also the held-out figures of the refuse rule refitted per fold."""
    if mode not in MODES:
        raise UsageError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    started = time.perf_counter()
    outcomes = ask_all(engine, questions, k, mode, progress)
    result = evaluate_outcomes(outcomes, k, mode)
    if folds:
        from qabot.crossval import held_out

        result["held_out"] = held_out(outcomes, k, folds)
    locate_evidence(engine, result["failures"])
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


# ---------------------------------------------------------------------------- rendering


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Aligned plain-text table (CJK-aware); first column left, the others right."""
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for number, row in enumerate([header, *rows]):
        cells = [_pad(str(c), widths[i], right=i > 0) for i, c in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"
    return str(value)


# Per-group tables leave out hit@3 to stay readable in a terminal.
GROUP_COLUMNS = ("questions", *(key for key in METRIC_KEYS if key != "hit@3"))
SHORT_NAMES = {
    "answerable_refused": "ans.refused",
    "unanswerable_refused": "unans.refused",
    "comparison_coverage": "cmp.cover",
    "questions": "n",
}


def _group_table(groups: dict[str, dict], first: str) -> str:
    header = [first, *(SHORT_NAMES.get(c, c) for c in GROUP_COLUMNS)]
    rows = [[name, *(_fmt(m.get(c)) for c in GROUP_COLUMNS)] for name, m in groups.items()]
    return format_table(header, rows)


def render_table(result: dict[str, Any], max_failures: int = 15) -> str:
    """The result as tables for people: overall, by type, by district, then failures."""
    k = result["k"]
    overall = [
        ("questions", result["questions"]),
        ("answerable", result["answerable"]),
        *((f"hit@{n}", result[f"hit@{n}"]) for n in HIT_AT),
        ("mrr@10", result["mrr@10"]),
        ("ndcg@10", result["ndcg@10"]),
        ("answerable_refused (lower is better)", result["answerable_refused"]),
        ("unanswerable_refused (higher is better)", result["unanswerable_refused"]),
        (f"comparison_coverage (top {k})", result["comparison_coverage"]),
        (
            "latency p50 / p95 ms",
            f"{_fmt(result['latency_p50_ms'])} / {_fmt(result['latency_p95_ms'])}",
        ),
    ]
    parts = [
        f"qabot eval — mode {result['mode']}, k {k} "
        f"(ranking metrics over the top {RANK_DEPTH}, on answerable questions)",
        "",
        format_table(["metric", "value"], [[name, _fmt(v)] for name, v in overall]),
        "",
        "by type",
        _group_table(result["by_type"], "type"),
        "",
        "by district (a comparison question counts for each of its districts)",
        _group_table(result["by_district"], "district"),
    ]
    if result.get("errors"):
        parts += [
            "",
            f"{result['errors']} question(s) were rejected by the engine (counted as misses)",
        ]
    failures = result.get("failures", [])
    parts += ["", f"failed questions: {len(failures)}"]
    for failure in failures[:max_failures]:
        top = failure["returned"][0] if failure["returned"] else None
        got = f"{top['chunk_id']} {top['text']}" if top else "nothing"
        parts.append(f"  {failure['id']} [{failure['type']}] {failure['question']}")
        parts.append(f"      {'; '.join(failure['reasons'])}")
        parts.append(f"      got: {_short(got, 100)}")
        if "evidence_in" in failure:
            parts.append(f"      evidence in: {', '.join(failure['evidence_in']) or 'no chunk'}")
    if len(failures) > max_failures:
        parts.append(f"  … {len(failures) - max_failures} more (--json or --report DIR for all)")
    return "\n".join(parts)


# ---------------------------------------------------------------------------- report


def _charts(results: dict[str, dict], directory: Path) -> tuple[Path, Path]:
    try:
        import matplotlib
    except ImportError as exc:
        raise UsageError("--report needs matplotlib: pip install 'qabot[report]'") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = list(results)
    colors = {"hybrid": "#1f77b4", "dense": "#ff7f0e", "lexical": "#2ca02c"}

    def bars(ax, labels: list[str], values: dict[str, list[float]], title: str) -> None:
        width = 0.8 / len(modes)
        for i, mode in enumerate(modes):
            xs = [x + (i - (len(modes) - 1) / 2) * width for x in range(len(labels))]
            ax.bar(xs, values[mode], width, label=mode, color=colors.get(mode))
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, rotation=20, ha="right")
        ax.set_ylim(0, 1.18)
        ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="upper center", ncol=len(modes), frameon=False)

    metrics = [*METRIC_KEYS]
    chart = directory / CHART_NAME
    fig, ax = plt.subplots(figsize=(10, 4.5))
    bars(
        ax,
        metrics,
        {m: [results[m].get(key) or 0.0 for key in metrics] for m in modes},
        "qabot retrieval by mode (answerable_refused: lower is better)",
    )
    fig.tight_layout()
    fig.savefig(chart, dpi=110)
    plt.close(fig)

    types = sorted({t for m in modes for t, g in results[m]["by_type"].items() if g["answerable"]})
    types_chart = directory / CHART_TYPES_NAME
    fig, ax = plt.subplots(figsize=(10, 4.5))
    bars(
        ax,
        types,
        {m: [results[m]["by_type"].get(t, {}).get("hit@5") or 0.0 for t in types] for m in modes},
        "hit@5 by question type and mode",
    )
    fig.tight_layout()
    fig.savefig(types_chart, dpi=110)
    plt.close(fig)
    return chart, types_chart


def _md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_fmt(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_report(
    engine: Engine,
    questions: Sequence[Question],
    directory: Path | str,
    k: int = 5,
    results: dict[str, dict] | None = None,
    primary: str = "hybrid",
    progress: bool = False,
) -> Path:
    """Markdown report comparing the three modes (with PNG charts) and the failures of
    ``primary``. ``results`` may hold runs already made (by mode); the others are run here."""
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create report folder {directory}: {exc.strerror or exc}") from exc
    results = dict(results or {})
    for mode in MODES:
        if mode not in results or results[mode].get("k") != k:
            results[mode] = run_evaluation(engine, questions, k=k, mode=mode, progress=progress)
    results = {m: results[m] for m in MODES}
    chart, types_chart = _charts(results, directory)

    manifest = engine.store.manifest
    summary_keys = [*METRIC_KEYS, "latency_p50_ms", "latency_p95_ms"]
    lines = [
        "# qabot retrieval evaluation",
        "",
        f"- {len(questions)} questions ({results[primary]['answerable']} answerable), "
        f"k = {k}; ranking metrics over the top {RANK_DEPTH} passages of answerable questions",
        f"- index: {manifest.chunks} chunks, {manifest.index_type}, "
        f"embedder `{manifest.embedder}`, corpus {manifest.corpus_hash[:12]}",
        f"- written {time.strftime('%Y-%m-%d %H:%M:%S')}",
        "",
        "Definitions: see `qabot/evaluation.py`. `answerable_refused`: lower is better; "
        "`unanswerable_refused`: higher is better.",
        "",
        "## Modes",
        "",
        f"![metrics by mode]({chart.name})",
        "",
        _md_table(
            ["metric", *MODES],
            [[key, *(results[m].get(key) for m in MODES)] for key in summary_keys],
        ),
        "",
        f"![hit@5 by type]({types_chart.name})",
        "",
        "## By question type (hit@5 / mrr@10 / refusals per mode)",
        "",
    ]
    types = list(results[primary]["by_type"])
    header = [
        "type",
        "n",
        *(f"{m} hit@5" for m in MODES),
        *(f"{m} mrr@10" for m in MODES),
        f"{primary} ans.refused",
        f"{primary} unans.refused",
    ]
    rows = []
    for t in types:
        groups = [results[m]["by_type"].get(t, {}) for m in MODES]
        mine = results[primary]["by_type"][t]
        rows.append(
            [
                t,
                mine["questions"],
                *(g.get("hit@5") for g in groups),
                *(g.get("mrr@10") for g in groups),
                mine["answerable_refused"],
                mine["unanswerable_refused"],
            ]
        )
    lines += [_md_table(header, rows), "", f"## By district ({primary})", ""]
    lines += [
        _md_table(
            ["district", *(SHORT_NAMES.get(c, c) for c in GROUP_COLUMNS)],
            [
                [d, *(g.get(c) for c in GROUP_COLUMNS)]
                for d, g in results[primary]["by_district"].items()
            ],
        ),
        "",
    ]
    failures = results[primary]["failures"]
    lines += [f"## Failed questions ({primary}, k = {k}): {len(failures)}", ""]
    if not failures:
        lines.append("None.")
    for failure in failures:
        lines.append(f"### {failure['id']} · {failure['type']} · {failure['question']}")
        lines.append("")
        lines.append(f"- why: {'; '.join(failure['reasons'])}")
        expected = "、".join(f"「{a}」" for a in failure["expected"]) or "(unanswerable)"
        lines.append(f"- expected evidence: {expected}")
        if "evidence_in" in failure:
            where = ", ".join(f"`{c}`" for c in failure["evidence_in"]) or "no indexed chunk"
            lines.append(f"- evidence is in: {where}")
        labelled = "、".join(failure["district"]) or "none"
        seen = "、".join(failure["recognised_districts"]) or "none"
        lines.append(f"- district label: {labelled}; recognised in the question: {seen}")
        lines.append(f"- no_answer: {str(failure['no_answer']).lower()}")
        lines.append("- returned instead:")
        for passage in failure["returned"]:
            where = f"`{passage['chunk_id']}` ({passage['district']})"
            lines.append(f"  {passage['rank']}. {where} {passage['text']}")
        lines.append("")
    report = directory / REPORT_NAME
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (directory / "eval-results.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return report
