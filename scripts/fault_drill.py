"""Fault drill: bad input, damaged files, kills, races and full disks against real ``qabot``
processes, with a table case · expected · observed (issue #8).

    python scripts/fault_drill.py            # every case
    python scripts/fault_drill.py -k manifest  # cases whose name contains "manifest"

Each case breaks a fresh copy of a small real corpus and index (``faultlib.Lab``), runs the
command line, and checks the exit code, that the error is one line (no traceback), and that
no answer changed silently; any process a case ran that ended in exit 1 or printed a
traceback fails the case as well (issue 23). Cases that need root (another user, a tmpfs
mount) say ``skipped`` elsewhere. The tests run the same cases (``tests/test_robustness.py``,
``tests/test_concurrency.py``, ``tests/test_hostile_drill.py``); the last results are in
``docs/index.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from faultcases import CASES
from faultlib import Lab


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default="", help="only cases whose name contains this")
    parser.add_argument(
        "-g", "--group", help="only this group: input, corpus, index, build, hostile"
    )
    args = parser.parse_args(argv)
    cases = [c for c in CASES if args.k in c.name and args.group in (None, c.group)]
    lab = Lab()
    failed = 0
    print("| # | case | expected | observed | |")
    print("|---|---|---|---|---|")
    try:
        for case in cases:
            started = time.perf_counter()
            result = lab.judged(case)
            mark = "skipped" if result.skipped else "ok" if result.ok else "FAIL"
            failed += not (result.ok or result.skipped)
            observed = (result.skipped or result.observed).replace(str(lab.root), "…")
            print(
                f"| {case.item} | {case.name} | {case.expected} | {observed} "
                f"({time.perf_counter() - started:.1f}s) | {mark} |",
                flush=True,
            )
    finally:
        lab.close()
    print(f"\n{len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
