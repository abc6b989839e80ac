#!/usr/bin/env python
"""Busy-machine benchmark (issue 22): the same question batch on an idle machine and beside
busy processes, in one run, and the cold start of the commands a user types first.

* batch: ``qabot ask --batch FILE --json`` over the first ``--questions`` questions of the
  set, a fresh process each time (what a user or a cron job runs), wall clock; first with
  nothing else started by the benchmark, then beside ``--busy`` busy-loop processes
  (``while True: pass``), then the ratio. ``--active`` adds a run beside the busy loops
  with ``OMP_WAIT_POLICY=ACTIVE`` (spinning OpenMP threads: what qabot's passive default
  protects against, see qabot/threads.py).
* reference: a plain single-threaded Python loop, a fresh process, idle and beside the same
  busy loops in the same run. Its ratio is the machine's floor for any one-thread program (1.5×
  in theory on 2 cores beside 2 loops; more on a virtual machine whose host shares its cores),
  and qabot's ratio is also given over it.
* cold start: ``qabot --help``, a usage error (``qabot ask`` with no question) and a first
  ``qabot ask`` with an answer, each a fresh process, median of ``--repeats``.

Nothing in the repository is written: the index is copied to a temporary folder first. The
machine's own load is recorded before and after; on a shared machine the idle run is only as
idle as the neighbours allow.

    .venv/bin/python scripts/bench_busy.py            # table
    .venv/bin/python scripts/bench_busy.py --json     # one JSON object
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib

QUESTION = "北辰区种了多少亩春小麦？"
# one thread of pure CPU work, about 2 s on an idle core of this project's machines
REFERENCE = "s = 0\nfor i in range(20_000_000):\n    s += i\n"


def _qabot(args: Sequence[str], env: dict[str, str], stdin: int | None = None) -> float:
    """Wall-clock seconds of ``python -m qabot ARGS`` in a fresh process."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "qabot", *args],
        cwd=benchlib.ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **env},
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 2):
        raise RuntimeError(f"qabot {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return seconds


def _reference(repeats: int = 3) -> float:
    """Wall-clock seconds of the reference loop in a fresh process, median of ``repeats``
    (one run of it moved by a fifth between runs on a virtual machine)."""
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", REFERENCE], check=True, timeout=600)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


@contextmanager
def busy(count: int) -> Iterator[None]:
    """``count`` processes spinning on a core each, for as long as the block runs."""
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        time.sleep(0.5)  # let them reach full speed
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


def cold(args: Sequence[str], env: dict[str, str], repeats: int) -> dict:
    runs = [_qabot(args, env) for _ in range(repeats)]
    _note(f"qabot {' '.join(args)[:40]}", statistics.median(runs))
    return {"median_s": round(statistics.median(runs), 3), "runs_s": [round(r, 3) for r in runs]}


def _note(what: str, seconds: float) -> None:
    """Each figure as soon as it is measured (a long run on a loaded machine shows progress)."""
    print(f"  {what}: {seconds:.2f} s", file=sys.stderr, flush=True)


def run(questions_path: Path, count: int, busy_loops: int, repeats: int, active: bool) -> dict:
    questions = benchlib.load_question_texts(questions_path)[:count]
    result: dict = {"machine": benchlib.machine(), "questions": len(questions)}
    with tempfile.TemporaryDirectory(prefix="qabot-busy-") as tmp:
        docs, index = benchlib.shipped_copy(Path(tmp))
        if not benchlib.index_is_fresh(docs, index):
            raise SystemExit("the shipped index is stale for this code: run `qabot index` first")
        env = {"QABOT_DOCS": str(docs), "QABOT_INDEX": str(index)}
        batch = Path(tmp) / "questions.jsonl"
        batch.write_text(
            "".join(json.dumps({"question": q}, ensure_ascii=False) + "\n" for q in questions),
            encoding="utf-8",
        )
        ask_batch = ["ask", "--batch", str(batch), "--json"]
        result["cold_start"] = {
            "help": cold(["--help"], env, repeats),
            "usage_error": cold(["ask"], env, repeats),
            "first_ask": cold(["ask", QUESTION, "--json"], env, repeats),
        }
        batches = {"reference_idle_s": round(_reference(), 2)}
        _note("reference loop, idle", batches["reference_idle_s"])
        batches["idle_s"] = round(_qabot(ask_batch, env), 2)
        _note("batch, idle", batches["idle_s"])
        with busy(busy_loops):
            batches["busy_s"] = round(_qabot(ask_batch, env), 2)
            _note("batch, busy", batches["busy_s"])
            batches["reference_busy_s"] = round(_reference(), 2)
            _note("reference loop, busy", batches["reference_busy_s"])
            if active:
                spinning = {**env, "OMP_WAIT_POLICY": "ACTIVE"}
                batches["busy_active_wait_s"] = round(_qabot(ask_batch, spinning), 2)
                _note("batch, busy, spinning OpenMP", batches["busy_active_wait_s"])
        batches["busy_loops"] = busy_loops
        batches["ratio"] = benchlib.ratio(batches["busy_s"], batches["idle_s"])
        batches["reference_ratio"] = benchlib.ratio(
            batches["reference_busy_s"], batches["reference_idle_s"]
        )
        batches["over_reference"] = benchlib.ratio(batches["ratio"], batches["reference_ratio"])
        if active:
            batches["active_ratio"] = benchlib.ratio(
                batches["busy_active_wait_s"], batches["idle_s"]
            )
        result["batch"] = batches
    result["loadavg_at_end"] = benchlib.load_average()
    return result


def render(result: dict) -> str:
    batch, cold = result["batch"], result["cold_start"]
    rows: list[list[object]] = [
        ["`qabot --help` (s)", cold["help"]["median_s"]],
        ["usage error, `qabot ask` (s)", cold["usage_error"]["median_s"]],
        ["first `qabot ask` (s)", cold["first_ask"]["median_s"]],
        [f"batch of {result['questions']}, idle (s)", batch["idle_s"]],
        [f"batch beside {batch['busy_loops']} busy loops (s)", batch["busy_s"]],
        ["busy ÷ idle", benchlib.times(batch["ratio"])],
        [
            "a one-thread Python loop: busy ÷ idle (the floor)",
            benchlib.times(batch["reference_ratio"]),
        ],
        ["qabot's ratio ÷ the loop's", benchlib.times(batch["over_reference"])],
    ]
    if "active_ratio" in batch:
        rows.append(["busy, OMP_WAIT_POLICY=ACTIVE (s)", batch["busy_active_wait_s"]])
        rows.append(["  its busy ÷ idle", benchlib.times(batch["active_ratio"])])
    m = result["machine"]
    head = (
        f"qabot busy-machine benchmark — machine: {m['cpu']}, {m['cores']} cores; load average "
        f"at start {m['loadavg_at_start']}, at end {result['loadavg_at_end']}\n"
        f"cold start: median of {len(cold['help']['runs_s'])} fresh process(es)\n"
    )
    return head + "\n" + benchlib.table(["measure", "value"], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions-file", type=Path, default=benchlib.QUESTIONS)
    parser.add_argument("--questions", type=int, default=100, help="batch size (default 100)")
    parser.add_argument("--busy", type=int, default=2, help="busy-loop processes (default 2)")
    parser.add_argument("--repeats", type=int, default=3, help="cold-start runs (median)")
    parser.add_argument(
        "--active", action="store_true", help="also run beside the loops with spinning OpenMP"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    result = run(args.questions_file, args.questions, args.busy, args.repeats, args.active)
    print(json.dumps(result, ensure_ascii=False, indent=1) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
