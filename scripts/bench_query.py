#!/usr/bin/env python
"""Query benchmark (issue 2): cold start, warm ``ask`` latency and index build time, with a
plain BM25-only run of the same questions beside it as the baseline.

* cold start: a fresh ``python`` process that imports qabot, opens the shipped index (plus
  the e5-small model) and answers one question — wall clock, median of ``--repeats``. The
  BM25-only baseline process loads the chunks and the bm25s index and tokenises with jieba.
* warm latency: ``engine.ask`` over every question of the set, p50/p95; the baseline is the
  same engine in ``mode="lexical"`` (BM25 only: no query embedding).
* index build: a full build from a copy of ``docs_src/`` into a temporary folder; the
  baseline builds only the BM25 index.

Nothing in the repository is written: the index is copied to a temporary folder first.

    .venv/bin/python scripts/bench_query.py            # table
    .venv/bin/python scripts/bench_query.py --json     # one JSON object
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib


def run(questions_path: Path, repeats: int, skip_build: bool) -> dict:
    from qabot.engine import Engine
    from qabot.indexer import build
    from qabot.settings import Settings

    questions = benchlib.load_question_texts(questions_path)
    result: dict = {"machine": benchlib.machine(), "questions": len(questions)}
    with tempfile.TemporaryDirectory(prefix="qabot-bench-") as tmp:
        docs, index = benchlib.shipped_copy(Path(tmp))
        if not benchlib.index_is_fresh(docs, index):
            print(
                "note: the shipped index is stale for this code; it is rebuilt once before timing",
                file=sys.stderr,
            )
            build(docs, index, "e5-small", progress=False)
        first = questions[0]
        result["cold_start"] = {
            "qabot": benchlib.cold_start(docs, index, first, "qabot", "hybrid", repeats),
            "bm25": benchlib.cold_start(docs, index, first, "bm25", "lexical", repeats),
        }
        engine = Engine.open(Settings(docs, index, "e5-small"), progress=False)
        result["index"] = {
            "chunks": len(engine.store.chunks),
            "type": engine.store.manifest.index_type,
        }
        warm = {}
        for name, mode in (("qabot", "hybrid"), ("bm25", "lexical")):
            times = benchlib.warm_latencies(engine, questions, mode)
            warm[name] = {
                "mode": mode,
                "p50_ms": round(benchlib.pct(times, 50), 2),
                "p95_ms": round(benchlib.pct(times, 95), 2),
                "mean_ms": round(sum(times) / len(times), 2),
            }
        result["warm"] = warm
    if not skip_build:
        result["build"] = {"qabot": benchlib.build_index(), "bm25": benchlib.build_bm25_only()}
    result["loadavg_at_end"] = benchlib.load_average()
    return result


def render(result: dict) -> str:
    cold, warm = result["cold_start"], result["warm"]

    def row(label: str, ours: float, baseline: float) -> list:
        return [label, ours, baseline, benchlib.times(benchlib.ratio(ours, baseline))]

    rows = [
        row(
            "cold start: new process → first answer (s)",
            cold["qabot"]["wall_s"],
            cold["bm25"]["wall_s"],
        ),
        row("  of which imports (s)", cold["qabot"]["import_s"], cold["bm25"]["import_s"]),
        row(
            "  of which opening index + model (s)", cold["qabot"]["open_s"], cold["bm25"]["open_s"]
        ),
        row(
            "  of which first answer (s)",
            cold["qabot"]["first_answer_s"],
            cold["bm25"]["first_answer_s"],
        ),
        row("warm ask p50 (ms)", warm["qabot"]["p50_ms"], warm["bm25"]["p50_ms"]),
        row("warm ask p95 (ms)", warm["qabot"]["p95_ms"], warm["bm25"]["p95_ms"]),
    ]
    if "build" in result:
        build = result["build"]
        label = f"index build, {build['qabot']['chunks']} chunks (s)"
        rows.append(row(label, build["qabot"]["seconds"], build["bm25"]["seconds"]))
    m = result["machine"]
    head = (
        f"qabot query benchmark — {result['questions']} questions, index "
        f"{result['index']['chunks']} chunks ({result['index']['type']})\n"
        f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}; "
        f"load average at start {m['loadavg_at_start']}, at end {result['loadavg_at_end']}\n"
        f"cold start: median of {result['cold_start']['qabot']['runs']} fresh process(es)\n"
    )
    return head + "\n" + benchlib.table(["measure", "qabot hybrid", "BM25 only", "ratio"], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=benchlib.QUESTIONS)
    parser.add_argument("--repeats", type=int, default=3, help="cold-start runs (median)")
    parser.add_argument("--no-build", action="store_true", help="skip the index build timing")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    result = run(args.questions, args.repeats, args.no_build)
    print(json.dumps(result, ensure_ascii=False, indent=1) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
