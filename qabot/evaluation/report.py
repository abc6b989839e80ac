"""How people read a run: the terminal tables of ``qabot eval`` and the ``--report DIR``
Markdown report, which compares the three retrieval modes with PNG charts and lists every
failed question with what came back instead.

Both read the :class:`~qabot.evaluation.run.EvalResult` dict, so a saved ``--json`` can be
rendered again later.
"""

from __future__ import annotations

import json
import time
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qabot.errors import UsageError
from qabot.evaluation.metrics import HIT_AT, METRIC_KEYS, RANK_DEPTH, Summary
from qabot.evaluation.questions import Question
from qabot.evaluation.run import EvalResult, run_evaluation, shorten
from qabot.types import MODES

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from qabot.engine import Engine

REPORT_NAME = "eval-report.md"
CHART_NAME = "eval-modes.png"
CHART_TYPES_NAME = "eval-types.png"
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


def _group_table(groups: dict[str, Summary], first: str) -> str:
    header = [first, *(SHORT_NAMES.get(c, c) for c in GROUP_COLUMNS)]
    rows = [[name, *(_fmt(m.get(c)) for c in GROUP_COLUMNS)] for name, m in groups.items()]
    return format_table(header, rows)


def _headline(figures: Mapping[str, Any], k: int) -> list[tuple[str, Any]]:
    """The overall rows shared by the whole run and its held-out block."""
    return [
        ("questions", figures["questions"]),
        ("answerable", figures["answerable"]),
        *((f"hit@{n}", figures[f"hit@{n}"]) for n in HIT_AT),
        ("mrr@10", figures["mrr@10"]),
        ("ndcg@10", figures["ndcg@10"]),
        ("answer_hit (the answer holds the evidence)", figures["answer_hit"]),
        ("span_exact (the marked value is the expected one)", figures["span_exact"]),
        ("answerable_refused (lower is better)", figures["answerable_refused"]),
        ("unanswerable_refused (higher is better)", figures["unanswerable_refused"]),
        (f"comparison_coverage (top {k})", figures["comparison_coverage"]),
    ]


def render_table(result: EvalResult, max_failures: int = 15) -> str:
    """The result as tables for people: overall, by type, by district, then failures."""
    k = result["k"]
    figures: Mapping[str, Any] = result  # read by name, like the keys of HIT_AT
    overall = [
        *_headline(figures, k),
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
    ]
    held = result.get("held_out")
    if held:
        folds = held["folds"]
        parts += [
            f"held out: each question refused or answered by the rule fitted on the other "
            f"{folds - 1} of {folds} folds (the figures to quote; the table above uses the "
            "shipped rule)",
            format_table(["metric", "value"], [[n, _fmt(v)] for n, v in _headline(held, k)]),
            "",
        ]
    parts += [
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
        parts.append(f"      got: {shorten(got, 100)}")
        if "evidence_in" in failure:
            parts.append(f"      evidence in: {', '.join(failure['evidence_in']) or 'no chunk'}")
    if len(failures) > max_failures:
        parts.append(f"  … {len(failures) - max_failures} more (--json or --report DIR for all)")
    return "\n".join(parts)


# ---------------------------------------------------------------------------- report


def require_matplotlib() -> None:
    """Fail before a run of several minutes, not after it, when the charts cannot be drawn."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise UsageError(
            "--report needs matplotlib: pip install 'qabot[report]'", "missing_extra"
        ) from exc


def _charts(results: Mapping[str, Mapping[str, Any]], directory: Path) -> tuple[Path, Path]:
    require_matplotlib()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = list(results)
    colors = {"hybrid": "#1f77b4", "dense": "#ff7f0e", "lexical": "#2ca02c"}

    def bars(ax: Axes, labels: list[str], values: dict[str, list[float]], title: str) -> None:
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
    results: dict[str, EvalResult] | None = None,
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
        "Definitions: see `qabot/evaluation/metrics.py`. `answerable_refused`: lower is better; "
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
        groups: list[Mapping[str, Any]] = [results[m]["by_type"].get(t, {}) for m in MODES]
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
