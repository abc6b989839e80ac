"""Milvus Lite rows of the scale benchmark (issue 11), run by ``scripts/bench.py --milvus``.

The same synthetic unit vectors as the FAISS rows go into a collection made by qabot's own
schema code (:mod:`qabot.store.milvus_store`: vector, district, BM25 tokens, chunk JSON), and are
searched through :class:`qabot.store.milvus_store.MilvusStore` one query at a time, as qabot does,
with and without a ``district`` filter (one district of five); recall@10 against exact
search in numpy. Memory is the resident size
of the Milvus Lite server process (it runs beside Python) plus the database folder on disk.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import benchlib

DISTRICTS = ("北辰区", "和平区", "宝坻区", "东丽区", "金海湖新区")  # one in five: FILTER_SHARE 0.2
WORDS = ("粮食", "生产", "疫情", "防控", "企业", "改革", "社区", "服务", "生态", "环境")
BATCH = 2_000
# Milvus figure → the exact FAISS figure of the same run it is compared with.
SAME_RUN = (
    ("build_s", "build_s"),
    ("unfiltered_p50_ms", "near_p50_ms"),
    ("filtered_p50_ms", "filtered_p50_ms"),
)


def child_rss_mb() -> float:
    """Resident memory of this process's children (the Milvus Lite server)."""
    me, total = str(Path("/proc/self").resolve().name), 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[1] == me:
                status = (stat.parent / "status").read_text()
                total += next(
                    int(x.split()[1]) for x in status.splitlines() if x.startswith("VmRSS")
                )
        except (OSError, IndexError, StopIteration):
            continue
    return round(total / 1024, 1)


def folder_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1)


def bench_milvus_lite(data: np.ndarray, queries: np.ndarray) -> dict:
    """Build, query p50/p95 with and without a district filter, memory, for ``data``."""
    from qabot.store.manifest import Manifest
    from qabot.store.milvus_build import VECTOR_INDEX, create_generation
    from qabot.store.milvus_store import MilvusStore, connect
    from qabot.store.protocol import StoreSpec

    n, dim = data.shape
    print(f"milvus lite: {n} vectors …", file=sys.stderr)
    folder = Path(tempfile.mkdtemp(prefix="bench-milvus-"))
    spec = StoreSpec("milvus-lite", str(folder / "bench.db"))
    try:
        client = connect(spec)
        rss0 = child_rss_mb()
        rng = np.random.default_rng(7)
        started = time.perf_counter()
        create_generation(client, "bench", dim, VECTOR_INDEX[spec.kind])
        for start in range(0, n, BATCH):
            rows = [
                {
                    "id": f"c{i}",
                    "seq": i,
                    "doc_id": f"d{i // 100}",
                    "paragraph": i % 100,
                    "district": DISTRICTS[i % len(DISTRICTS)],
                    "text_key": f"{i:x}",
                    "vector": data[i].tolist(),
                    "tokens": " ".join(rng.choice(WORDS, size=8)),
                    "chunk": {"id": f"c{i}"},
                }
                for i in range(start, min(start + BATCH, n))
            ]
            client.insert("bench", rows)
        client.flush("bench")
        client.load_collection("bench")
        build_s = time.perf_counter() - started
        manifest = Manifest("bench", dim, "", {}, n, "", {"collection": "bench"})
        store = MilvusStore(client, spec, manifest)
        result = {"build_s": round(build_s, 2)}
        in_district = np.arange(n) % len(DISTRICTS) == 0  # the rows of DISTRICTS[0]
        for name, districts in (("unfiltered", ()), ("filtered", (DISTRICTS[0],))):
            times, hits = [], 0
            for query in queries:
                began = time.perf_counter()
                found = store.dense_search(query, 10, districts)
                times.append((time.perf_counter() - began) * 1000)
                scores = data @ query
                if districts:
                    scores[~in_district] = -np.inf
                hits += len(set(found) & set(np.argsort(-scores)[:10].tolist()))
            result[f"{name}_p50_ms"] = round(benchlib.pct(times, 50), 3)
            result[f"{name}_p95_ms"] = round(benchlib.pct(times, 95), 3)
            result[f"{name}_recall@10"] = round(hits / (10 * len(queries)), 4)
        result["server_rss_mb"] = child_rss_mb()
        result["server_rss_growth_mb"] = round(result["server_rss_mb"] - rss0, 1)
        result["disk_mb"] = folder_mb(folder)
        client.close()
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def milvus_rows(scale: list[dict]) -> tuple[list[str], list[list[object]]]:
    """Milvus Lite against exact FAISS of the same run: times slower (×) and memory."""
    header = ["n", "Milvus Lite build s", "× FAISS", "p50 ms", "× FAISS", "filtered p50 ms",
              "× FAISS", "recall@10", "filtered recall@10", "server RSS MB", "disk MB"]  # fmt: skip
    rows = []
    for s in scale:
        m, f = s.get("milvus_lite"), s["flat"]
        if not m:
            continue
        x = {key: benchlib.times(benchlib.ratio(m[key], f[base])) for key, base in SAME_RUN}
        rows.append(
            [f"{s['n']:,}", m["build_s"], x["build_s"], m["unfiltered_p50_ms"],
             x["unfiltered_p50_ms"], m["filtered_p50_ms"], x["filtered_p50_ms"],
             m["unfiltered_recall@10"], m["filtered_recall@10"], m["server_rss_mb"], m["disk_mb"]]
        )  # fmt: skip
    return header, rows
