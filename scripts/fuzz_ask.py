"""Fuzz ``Engine.ask`` with seeded random strings: only :class:`UsageError` may escape, and
the latency percentiles show that no shape of question stalls the engine (issue 23).

    python scripts/fuzz_ask.py --count 10000 --seed 23

The target (issue 23): p99 under 1 s. A question is analysed and embedded on its first
``READ_CHARS`` characters, and jieba's HMM tags question-sized text only, so no shape costs
more than an ordinary long question.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

from qabot.engine import Engine
from qabot.errors import UsageError
from qabot.settings import Settings

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=23)
    args = parser.parse_args()
    settings = Settings(docs=ROOT / "docs_src", index=ROOT / "embeddings", embedder="e5-small")
    engine = Engine.open(settings, refresh=False, progress=False)
    engine.ask("北辰区种了多少亩春小麦？")  # warm-up
    rng = random.Random(args.seed)
    seconds, refused, worst = [], 0, (0.0, "")
    for n in range(1, args.count + 1):
        if n % 100 == 0:
            print(f"{n} asked", file=sys.stderr, flush=True)
        question = fuzzed(rng)
        started = time.perf_counter()
        try:
            engine.ask(question)
        except UsageError:
            refused += 1
        took = time.perf_counter() - started
        seconds.append(took)
        worst = max(worst, (took, question[:40]))
    p50, p99 = np.percentile(seconds, [50, 99])
    print(
        f"{args.count} questions ({refused} UsageError, no other exception): "
        f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {worst[0]:.2f} s ({worst[1]!r})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
