"""Fuzz ``Engine.ask`` with seeded random strings: only :class:`UsageError` may escape, and
the latency percentiles show that no shape of question stalls the engine (issue 23).

    python scripts/fuzz_ask.py --count 10000 --seed 23 --slowest 10

The target (issue 23): p99 under 1 s. A question is analysed and embedded on its first
``READ_CHARS`` characters, and jieba's HMM tags question-sized text only, so no shape costs
more than an ordinary long question. The slowest questions are listed by shape (length,
character classes) with the time each stage of the engine took on them, so a slow shape
points at the stage to look at.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from qabot.errors import UsageError
from qabot.settings import Settings
from qabot.threads import configure

if TYPE_CHECKING:
    from qabot.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
# Pieces the audit found dangerous, mixed with random code points.
PIECES = ["北辰区", "种了", "多少亩", "春小麦", "？", "a", "ab", "区", "9", "2020年", "①", "²"]


def fuzzed(rng: random.Random) -> str:
    """One question: random code points, random common Han characters (what jieba's HMM
    and the embedder find hardest), a repeated piece, or a long digit run."""
    shape = rng.random()
    if shape < 0.3:
        return "".join(chr(rng.randrange(0x20, 0x30000)) for _ in range(rng.randrange(1, 120)))
    if shape < 0.4:
        return "".join(chr(rng.randrange(0x4E00, 0x9FA6)) for _ in range(rng.randrange(1, 500)))
    if shape < 0.7:
        return rng.choice(PIECES) * rng.randrange(1, 250)
    if shape < 0.85:
        return rng.choice(PIECES) + str(rng.randrange(1, 10)) * rng.randrange(100, 500)
    return "".join(rng.choice(PIECES) for _ in range(rng.randrange(1, 60)))


def shape(question: str) -> str:
    """Length, distinct characters and the count of each Unicode category group (Han, L
    letters, N digits, P punctuation, S symbols, C controls and unassigned) — no content."""
    groups: Counter[str] = Counter()
    for char in question:
        groups["Han" if "\u4e00" <= char <= "\u9fff" else unicodedata.category(char)[0]] += 1
    kinds = " ".join(f"{name}{count}" for name, count in groups.most_common())
    return f"{len(question)} chars, {len(set(question))} distinct ({kinds})"


class Stages:
    """Times the engine's stages (analysis, retrieval, composing, confidence) by wrapping the
    functions ``Engine.ask`` calls: the wrappers add a clock read, nothing else."""

    def __init__(self, engine: Engine) -> None:
        import qabot.engine as engine_module

        self.last: dict[str, float] = defaultdict(float)
        engine.query = self._timed("analyse", engine.query)  # type: ignore[method-assign]
        retriever = engine.retriever
        retriever.find = self._timed("retrieve", retriever.find)  # type: ignore[method-assign]
        engine_module.compose = self._timed("compose", engine_module.compose)
        confidence = engine_module.refusal.confidence
        engine_module.refusal.confidence = self._timed("confidence", confidence)

    def _timed(self, name: str, function: Callable) -> Callable:
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.last[name] += time.perf_counter() - started

        return timed

    def take(self) -> dict[str, float]:
        """The stage times of the question just asked (and a fresh start for the next)."""
        taken, self.last = dict(self.last), defaultdict(float)
        return taken


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--slowest", type=int, default=10, help="list this many slowest")
    args = parser.parse_args()
    configure()  # as the command line does, before FAISS, numpy and the embedder load
    from qabot.engine import Engine

    settings = Settings(docs=ROOT / "docs_src", index=ROOT / "embeddings", embedder="e5-small")
    engine = Engine.open(settings, refresh=False, progress=False).warm()
    stages = Stages(engine)
    rng = random.Random(args.seed)
    seconds, refused, timed, failed = [], 0, [], []
    for n in range(1, args.count + 1):
        if n % 100 == 0:
            print(f"{n} asked", file=sys.stderr, flush=True)
        question = fuzzed(rng)
        started = time.perf_counter()
        try:
            engine.ask(question)
        except UsageError:
            refused += 1
        except Exception as exc:  # what must never happen: counted, shown, exit 1
            failed.append(f"#{n} {type(exc).__name__}: {exc} on {shape(question)}")
        took = time.perf_counter() - started
        seconds.append(took)
        timed.append((took, n, question, stages.take()))
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    p50, p95, p99 = cuts[49], cuts[94], cuts[98]
    print(
        f"{args.count} questions ({refused} UsageError, {len(failed)} other exceptions): "
        f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
        f"max {max(seconds):.2f} s"
    )
    for took, n, question, parts in sorted(timed, reverse=True)[: args.slowest]:
        split = ", ".join(f"{name} {s * 1000:.0f}" for name, s in parts.items())
        print(f"  #{n} {took * 1000:.0f} ms: {shape(question)}; {split or 'refused'}")
    for failure in failed:
        print(failure)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
