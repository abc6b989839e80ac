#!/usr/bin/env python
"""Scale benchmark (issue 4): FAISS (and Milvus Lite) on synthetic corpora far larger than
the shipped one. qabot's own latency, cold start and build time are ``bench_query.py``;
throughput with concurrent clients is ``bench_http.py``.

Scale (vectors of the embedder's dimension stand in for chunks):
  synthetic corpora of random unit vectors (dim 384, float32) in IndexFlatIP (exact) and
  IndexHNSWFlat (M, efConstruction and efSearch of qabot's store, inner product)
  → build time, memory (RSS growth and serialized size), single-query latency p50/p95,
  recall@10 of HNSW against exact search, and the same with a district filter (an
  IDSelectorBatch over 20% of the ids, built per query as qabot's retriever does).

  Two query sets: "random" (fresh vectors from the same distribution: no planted near
  neighbour) and "near" (a corpus vector plus noise, cosine ≈ 0.8 to it: like a question
  that has an answer). Uniform random vectors (the default) are the worst case for HNSW;
  --data lowrank (a 32-dimensional subspace plus noise) is closer to real text embeddings.
  An HNSW build still running after --hnsw-budget seconds is stopped; its build time is
  extrapolated (n·log n) and recall measured on what was built.

    .venv/bin/python scripts/bench.py                       # sizes 100k and 1M
    .venv/bin/python scripts/bench.py --quick               # smoke test: 20k only
    .venv/bin/python scripts/bench.py --data lowrank --json
    .venv/bin/python scripts/bench.py --sizes 20000,100000 --milvus  # + Milvus Lite
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qabot.store.faiss_store import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M

import bench_milvus
import benchlib

DIM = 384
FILTER_SHARE = 0.2  # one district of five
BATCH = 50_000
EF_SWEEP = (64, 128, 256, 512)
LOWRANK_DIM = 32
LOWRANK_NOISE = 0.3


# ---------------------------------------------------------------------------- scale


def unit_vectors(n: int, seed: int, kind: str = "random", dim: int = DIM) -> np.ndarray:
    """``n`` unit vectors. ``random``: uniform on the sphere (no structure at all: the worst
    case for HNSW). ``lowrank``: a random 32-dimensional subspace plus 30% isotropic noise,
    a rough stand-in for text embeddings, whose intrinsic dimension is far below 384."""
    rng = np.random.default_rng(seed)
    basis = np.random.default_rng(12345).standard_normal((LOWRANK_DIM, dim), dtype=np.float32)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):
        size = min(100_000, n - start)
        if kind == "lowrank":
            block = rng.standard_normal((size, LOWRANK_DIM), dtype=np.float32) @ basis
            block /= np.linalg.norm(block, axis=1, keepdims=True)
            noise = rng.standard_normal((size, dim), dtype=np.float32)
            block += LOWRANK_NOISE * noise / np.linalg.norm(noise, axis=1, keepdims=True)
        else:
            block = rng.standard_normal((size, dim), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + size] = block
    return out


def near_queries(data: np.ndarray, count: int, seed: int, cosine: float = 0.8) -> np.ndarray:
    """Corpus vectors plus Gaussian noise, renormalised, at about ``cosine`` to the original."""
    rng = np.random.default_rng(seed)
    picks = data[rng.choice(len(data), size=count, replace=False)]
    noise = rng.standard_normal(picks.shape, dtype=np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    sine = math.sqrt(1 - cosine**2)
    queries = cosine * picks + sine * noise
    return queries / np.linalg.norm(queries, axis=1, keepdims=True)


def single_query_latency(
    index, queries: np.ndarray, params_for=None
) -> tuple[list[float], np.ndarray]:
    """One query at a time (as qabot searches); ms per query and the ids found."""
    found = np.empty((len(queries), 10), dtype=np.int64)
    times = []
    for i, query in enumerate(queries):
        started = time.perf_counter()
        params = params_for() if params_for else None
        _, ids = index.search(query[None, :], 10, params=params)
        times.append((time.perf_counter() - started) * 1000)
        found[i] = ids[0]
    return times, found


def recall_at_10(found: np.ndarray, truth: np.ndarray) -> float:
    hits = sum(len(set(f[f >= 0]) & set(t[t >= 0])) for f, t in zip(found, truth, strict=True))
    return round(hits / truth.size, 4)


def recall_at_1(found: np.ndarray, truth: np.ndarray) -> float:
    return round(float(np.mean(found[:, 0] == truth[:, 0])), 4)


def serialized_mb(index) -> float:
    import faiss

    size = faiss.serialize_index(index).nbytes
    return round(size / 2**20, 1)


def bench_size(
    n: int,
    n_queries: int,
    budget_s: float,
    kind: str = "random",
    seed: int = 0,
    milvus: bool = False,
) -> dict:
    import faiss

    print(f"scale: {n} vectors …", file=sys.stderr)
    data = unit_vectors(n, seed, kind)
    query_sets = {
        "random": unit_vectors(n_queries, seed + 1, kind),
        "near": near_queries(data, n_queries, seed + 2),
    }
    rng = np.random.default_rng(seed + 3)
    allowed = np.sort(rng.choice(n, size=int(n * FILTER_SHARE), replace=False)).astype(np.int64)
    result: dict = {
        "n": n,
        "dim": DIM,
        "queries": n_queries,
        "data_mb": round(data.nbytes / 2**20, 1),
        "data": kind,
    }

    # --- exact
    gc.collect()
    rss0 = benchlib.rss_bytes()
    started = time.perf_counter()
    flat = faiss.IndexFlatIP(DIM)
    flat.add(data)
    flat_build = time.perf_counter() - started
    flat_info: dict = {
        "build_s": round(flat_build, 2),
        "rss_growth_mb": round((benchlib.rss_bytes() - rss0) / 2**20, 1),
        "serialized_mb": serialized_mb(flat),
    }
    for name, queries in query_sets.items():
        times, _ = single_query_latency(flat, queries)
        flat_info[f"{name}_p50_ms"] = round(benchlib.pct(times, 50), 3)
        flat_info[f"{name}_p95_ms"] = round(benchlib.pct(times, 95), 3)
    filtered_times, _ = single_query_latency(
        flat, query_sets["near"], lambda: faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
    )
    flat_info["filtered_p50_ms"] = round(benchlib.pct(filtered_times, 50), 3)
    flat_info["filtered_p95_ms"] = round(benchlib.pct(filtered_times, 95), 3)
    result["flat"] = flat_info
    del flat
    gc.collect()
    if milvus:
        result["milvus_lite"] = bench_milvus.bench_milvus_lite(data, query_sets["near"])

    # --- HNSW, built in batches so a build over budget can stop and be extrapolated
    rss0 = benchlib.rss_bytes()
    hnsw = faiss.IndexHNSWFlat(DIM, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    hnsw.hnsw.efSearch = HNSW_EF_SEARCH
    started = time.perf_counter()
    built = 0
    while built < n:
        step = min(BATCH, n - built)
        hnsw.add(data[built : built + step])
        built += step
        elapsed = time.perf_counter() - started
        print(f"  hnsw {built}/{n} in {elapsed:.0f}s", file=sys.stderr)
        if built < n and elapsed > budget_s:
            break
    hnsw_build = time.perf_counter() - started
    info: dict = {
        "built": built,
        "build_s": round(hnsw_build, 2),
        "rss_growth_mb": round((benchlib.rss_bytes() - rss0) / 2**20, 1),
        "serialized_mb": serialized_mb(hnsw),
    }
    if built < n:
        scale = (n * math.log(n)) / (built * math.log(built))
        info["extrapolated_build_s"] = round(hnsw_build * scale, 1)
        info["extrapolated_serialized_mb"] = round(info["serialized_mb"] * n / built, 1)
        info["note"] = (
            f"stopped after {built} of {n} vectors ({hnsw_build:.0f}s > budget {budget_s:.0f}s); "
            "build time extrapolated as n·log n, recall measured on the vectors built"
        )
    # ground truth over exactly the vectors in the HNSW index
    exact = faiss.IndexFlatIP(DIM)
    exact.add(data[:built])
    sub_allowed = allowed[allowed < built]
    for name, queries in query_sets.items():
        if name == "near" and built < n:
            queries = near_queries(data[:built], n_queries, seed + 2)
        _, truth = exact.search(queries, 10)
        times, found = single_query_latency(hnsw, queries)
        info[f"{name}_p50_ms"] = round(benchlib.pct(times, 50), 3)
        info[f"{name}_p95_ms"] = round(benchlib.pct(times, 95), 3)
        info[f"{name}_recall@10"] = recall_at_10(found, truth)
        info[f"{name}_recall@1"] = recall_at_1(found, truth)
        sweep = {}
        for ef in EF_SWEEP:
            hnsw.hnsw.efSearch = ef
            times_ef, found_ef = single_query_latency(hnsw, queries)
            sweep[ef] = {
                "recall@10": recall_at_10(found_ef, truth),
                "p50_ms": round(benchlib.pct(times_ef, 50), 3),
            }
        hnsw.hnsw.efSearch = HNSW_EF_SEARCH
        info[f"{name}_ef_sweep"] = sweep
        if name == "near":
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(sub_allowed))
            _, truth_f = exact.search(queries, 10, params=params)
            times_f, found_f = single_query_latency(
                hnsw,
                queries,
                lambda: faiss.SearchParametersHNSW(
                    sel=faiss.IDSelectorBatch(sub_allowed), efSearch=HNSW_EF_SEARCH
                ),
            )
            info["filtered_p50_ms"] = round(benchlib.pct(times_f, 50), 3)
            info["filtered_p95_ms"] = round(benchlib.pct(times_f, 95), 3)
            info["filtered_recall@10"] = recall_at_10(found_f, truth_f)
    result["hnsw"] = info
    del hnsw, exact, data
    gc.collect()
    return result


# ---------------------------------------------------------------------------- output


def render(result: dict) -> str:
    m = result["machine"]
    parts = [
        f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}, "
        f"faiss {m['faiss']}; load average at start {m['loadavg_at_start']}, "
        f"at end {result['loadavg_at_end']}"
    ]
    scale = result.get("scale")
    if scale:
        parts += [
            "",
            f"## FAISS at scale ({scale[0].get('data', 'random')} unit vectors, dim 384; "
            "single-query latency)",
            "",
        ]
        header = [
            "n",
            "index",
            "build s",
            "RSS +MB",
            "size MB",
            "p50 ms (near)",
            "p95 ms (near)",
            "p50 ms (random)",
            "filtered p50 ms",
            "recall@1 near",
            "recall@10 near",
            "recall@10 random",
            "filtered recall@10",
        ]
        rows = []
        for s in scale:
            f, h = s["flat"], s["hnsw"]
            rows.append(
                [f"{s['n']:,}", "FlatIP", f["build_s"], f["rss_growth_mb"], f["serialized_mb"],
                 f["near_p50_ms"], f["near_p95_ms"], f["random_p50_ms"], f["filtered_p50_ms"],
                 1.0, 1.0, 1.0, 1.0]
            )  # fmt: skip
            build = f"{h['build_s']}"
            size = f"{h['serialized_mb']}"
            if "extrapolated_build_s" in h:
                build += f" ({h['built']:,} built; ≈{h['extrapolated_build_s']} for all)"
                size += f" (≈{h['extrapolated_serialized_mb']} for all)"
            rows.append(
                [f"{s['n']:,}", "HNSW32", build, h["rss_growth_mb"], size,
                 h["near_p50_ms"], h["near_p95_ms"], h["random_p50_ms"], h["filtered_p50_ms"],
                 h["near_recall@1"], h["near_recall@10"], h["random_recall@10"],
                 h["filtered_recall@10"]]
            )  # fmt: skip
        parts.append(benchlib.table(header, rows))
        parts += ["", "HNSW efSearch sweep (recall@10 / p50 ms, unfiltered)", ""]
        sweep_rows = []
        for s in scale:
            for name in ("near", "random"):
                sweep = s["hnsw"][f"{name}_ef_sweep"]
                sweep_rows.append(
                    [f"{s['hnsw']['built']:,}", name]
                    + [f"{v['recall@10']:.3f} / {v['p50_ms']:.2f}" for v in sweep.values()]
                )
        ef_header = [f"efSearch {ef}" for ef in scale[0]["hnsw"]["near_ef_sweep"]]
        parts.append(benchlib.table(["n", "queries", *ef_header], sweep_rows))
        header, rows = bench_milvus.milvus_rows(scale)
        if rows:
            parts += ["", "Milvus Lite (qabot's schema; × = times the exact FAISS figure)", ""]
            parts.append(benchlib.table(header, rows))
        notes = [s["hnsw"]["note"] for s in scale if "note" in s["hnsw"]]
        parts += [f"\nnote: {n}" for n in notes]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated corpus sizes")
    parser.add_argument("--quick", action="store_true", help="smoke test: --sizes 20000")
    parser.add_argument("--queries", type=int, default=200, help="queries per set (default 200)")
    parser.add_argument(
        "--hnsw-budget", type=float, default=600, help="stop an HNSW build after this many seconds"
    )
    parser.add_argument(
        "--data",
        choices=("random", "lowrank"),
        default="random",
        help="synthetic vectors: uniform on the sphere (default) or low-rank + noise",
    )
    parser.add_argument(
        "--wait-quiet", type=float, default=0, help="wait up to this many s for load < 0.5 first"
    )
    parser.add_argument(
        "--milvus", action="store_true", help="add Milvus Lite rows (needs qabot[milvus])"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    sizes = (
        [20_000] if args.quick else [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    )

    benchlib.wait_for_quiet(args.wait_quiet)
    result: dict = {"machine": benchlib.machine()}
    result["scale"] = [
        bench_size(n, args.queries, args.hnsw_budget, args.data, milvus=args.milvus) for n in sizes
    ]
    result["loadavg_at_end"] = benchlib.load_average()
    print(json.dumps(result, ensure_ascii=False, indent=1) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
