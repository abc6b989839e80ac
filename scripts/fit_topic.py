#!/usr/bin/env python
"""Fit the off-topic check (:mod:`qabot.topic`) on the question set and ship it.

Every question of ``tests/data/questions.jsonl`` is searched once on a copy of the shipped
index (the vector the check reads is the dense search's own); the check is fitted on all of
them and written to ``qabot/data/topic-<embedder>.json``, which the engine loads. Its
held-out figures come from ``qabot eval --folds 5``, which refits it without each fold
(``held_out.topic``); docs/evaluation.md reports both.

    .venv/bin/python scripts/fit_topic.py
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchlib import QUESTIONS, shipped_copy

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    args = parser.parse_args(argv)

    import numpy as np

    from qabot import topic
    from qabot.engine import Engine
    from qabot.evaluation.questions import load_questions
    from qabot.evaluation.run import ask_all

    with tempfile.TemporaryDirectory(prefix="qabot-topic-") as tmp:
        engine = Engine.load(shipped_copy(Path(tmp))[1])
        outcomes = ask_all(engine, load_questions(args.questions), 5, "hybrid", progress=True)
    rows = [(o.question, v) for o in outcomes if not o.error and (v := o.vector) is not None]
    off = [q.type == topic.OFF_TOPIC and not q.answerable for q, _ in rows]
    check = topic.fit(np.stack([v for _, v in rows]), off, [q.answerable for q, _ in rows])
    if check is None:
        print(f"no {topic.OFF_TOPIC!r} questions in {args.questions}: nothing fitted")
        return 1
    out = ROOT / "qabot" / "data" / f"topic-{engine.embedder.id}.json"
    topic.save(check, out)
    flagged = [check.flags(v) for _, v in rows]
    caught = sum(f for f, o in zip(flagged, off, strict=True) if o)
    print(f"fitted on {len(rows)} questions ({sum(off)} off-topic, {caught} flagged) → {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
