#!/usr/bin/env python
"""The embedder's question vectors of the question set, stored for the tests' whole-set passes.

A whole-set pass (``tests/question_set.py``) asks every question of
``tests/data/questions.jsonl`` of the real engine; most of its time is the e5 call for the
question and for each word no passage holds (one call each, 10–40 ms on one thread), and those
vectors are the same on every run. Stored here, one shard per batch (the id without its digits:
``a``, ``q``, ``aa``… so adding a batch adds one file), they spare the suite's longest worker
about three minutes of CPU. The tests compare a sample with the live embedder each session,
compute whatever is missing, and fail when a shard no longer matches its batch's questions.

    .venv/bin/python scripts/question_vectors.py          # write the shards that changed
    .venv/bin/python scripts/question_vectors.py --check  # exit 1 when one is stale
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from qabot.embedders import Embedder
    from qabot.evaluation.questions import Question

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "tests" / "data" / "question_vectors"
QUESTIONS = ROOT / "tests" / "data" / "questions.jsonl"
K = 5  # as the snapshot asks; the other passes embed the same texts


def shard_of(qid: str) -> str:
    """The batch of a question id: its letters (``aa017`` → ``aa``)."""
    return re.sub(r"\d+$", "", qid) or "_"


def fingerprint(questions: Iterable[Question]) -> str:
    """What a shard was made from: its questions' ids and wording."""
    lines = "".join(f"{q.id}\t{q.question}\n" for q in questions)
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()[:16]


def embedder_tag(embedder: Embedder) -> str:
    return f"{embedder.id} {getattr(embedder, 'version', '')}"


def by_shard(questions: Sequence[Question]) -> dict[str, list[Question]]:
    shards: dict[str, list[Question]] = {}
    for question in questions:
        shards.setdefault(shard_of(question.id), []).append(question)
    return shards


def read_shard(path: Path) -> tuple[str, str, dict[str, np.ndarray]]:
    """A shard's embedder tag, question fingerprint and vectors by text."""
    with np.load(path) as data:
        texts = json.loads(str(data["texts"]))
        return (
            str(data["embedder"]),
            str(data["questions"]),
            dict(zip(texts, data["vectors"], strict=True)),
        )


def load(tag: str, folder: Path = FOLDER) -> dict[str, np.ndarray]:
    """Every stored vector made by the embedder ``tag`` (another model's or version's are
    left out), by text."""
    vectors: dict[str, np.ndarray] = {}
    for path in sorted(folder.glob("*.npz")):
        made_by, _, found = read_shard(path)
        if made_by == tag:
            vectors.update(found)
    return vectors


def stale(questions: Sequence[Question], folder: Path = FOLDER) -> list[str]:
    """The batches whose shard is missing or was made from other questions."""
    found = {}
    for path in folder.glob("*.npz"):
        with np.load(path) as data:  # its fingerprint only: the vectors stay on disk
            found[path.stem] = str(data["questions"])
    return [name for name, qs in by_shard(questions).items() if found.get(name) != fingerprint(qs)]


class Recorder:
    """The embedder, answering from ``known`` first, keeping the texts of each call."""

    def __init__(self, inner: Embedder, known: dict[str, np.ndarray]) -> None:
        self.inner, self.known = inner, known
        self.asked: list[str] = []
        self.id, self.dim, self.version = inner.id, inner.dim, getattr(inner, "version", "")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) != 1:  # the engine embeds one text a call; a batch is not stored
            return self.inner.embed_queries(texts)
        text = texts[0]
        if text not in self.known:
            self.known[text] = self.inner.embed_queries([text])[0]
        self.asked.append(text)
        return self.known[text][None, :].copy()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)


def write(folder: Path, names: Iterable[str], questions: Sequence[Question]) -> int:
    """Ask the questions of the batches ``names`` of the shipped index and write their shards;
    the number of vectors written."""
    from tqdm import tqdm

    from qabot.engine import Engine
    from qabot.indexer import open_readonly

    store, embedder = open_readonly(ROOT / "embeddings")
    known = load(embedder_tag(embedder), folder)
    every = by_shard(questions)
    shards = {name: every[name] for name in names}
    written = 0
    with tqdm(total=sum(map(len, shards.values())), unit="question") as progress:
        for name, asked in shards.items():
            # a new engine a batch: the engine's own caches would hide a text another batch
            # asked first, and this shard would lack it
            recorder = Recorder(embedder, known)
            engine = Engine(store, recorder, ROOT / "embeddings")
            for question in asked:
                engine.ask(question.question, k=K, qid=question.id)
                progress.update()
            texts = list(dict.fromkeys(recorder.asked))
            np.savez_compressed(
                folder / f"{name}.npz",
                embedder=np.str_(embedder_tag(embedder)),
                questions=np.str_(fingerprint(asked)),
                texts=np.str_(json.dumps(texts, ensure_ascii=False)),
                vectors=np.stack([known[t] for t in texts]).astype(np.float32),
            )
            written += len(texts)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="list stale shards, write nothing")
    parser.add_argument("--all", action="store_true", help="write every shard again")
    args = parser.parse_args(argv)

    from qabot.evaluation.questions import load_questions

    questions = load_questions(QUESTIONS)
    names = list(by_shard(questions)) if args.all else stale(questions)
    if args.check:
        print("\n".join(names) or "every shard is current")
        return 1 if names else 0
    FOLDER.mkdir(exist_ok=True)
    written = write(FOLDER, names, questions)
    print(f"{len(names)} shards, {written} vectors written to {FOLDER.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
