#!/usr/bin/env python
"""Measure qabot on the w-batch (/work/batch17/w.jsonl), once, mechanically.

    python tests/data/sealed/measure.py --code /path/to/worktree --out result-NAME.json

Runs the bot's library from the given worktree (its path first on sys.path, cwd = worktree) on a
temporary COPY of its docs_src and embeddings, asks every question with k=5 and *no* district
(real users do not pass one), and writes only aggregate figures (overall and per `type`).
It never prints or stores a question or an answer. If the library API does not fit, it falls
back to the fixed CLI contract: `python -m qabot ask --batch - --json --k 5`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
_SPACE = re.compile(r"\s+")
_cc = None


def norm(text: str) -> str:
    global _cc
    if _cc is None:
        import opencc

        _cc = opencc.OpenCC("t2s")
    return _SPACE.sub("", _cc.convert(unicodedata.normalize("NFKC", text or ""))).lower()


def load(path: Path) -> list[dict]:
    out, seen = [], set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            o = json.loads(line)
            assert o["id"] not in seen, o["id"]
            seen.add(o["id"])
            out.append(o)
    return out


def ask_library(code: Path, tmp: Path, questions: list[dict]) -> dict[str, dict]:
    sys.path.insert(0, str(code))
    os.chdir(code)
    from qabot.engine import Engine, Settings

    logging.disable(logging.CRITICAL)
    sink = io.StringIO()
    answers: dict[str, dict] = {}
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        engine = Engine.open(
            Settings(docs=tmp / "docs_src", index=tmp / "embeddings", embedder="e5-small"),
            progress=False,
        )
        for q in questions:
            try:
                answers[q["id"]] = engine.ask(q["question"], k=5, qid=q["id"]).to_dict()
            except Exception as exc:  # a refusal by error (e.g. UsageError); counted apart
                answers[q["id"]] = {"error": type(exc).__name__}
    return answers


def ask_cli(code: Path, tmp: Path, questions: list[dict]) -> dict[str, dict]:
    env = dict(os.environ, PYTHONPATH=str(code) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    feed = "".join(
        json.dumps({"id": q["id"], "question": q["question"]}, ensure_ascii=False) + "\n"
        for q in questions
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "qabot",
            "ask",
            "--batch",
            "-",
            "--json",
            "--k",
            "5",
            "--docs",
            str(tmp / "docs_src"),
            "--index",
            str(tmp / "embeddings"),
            "--embedder",
            "e5-small",
        ],
        input=feed.encode("utf-8"),
        cwd=code,
        env=env,
        capture_output=True,
        timeout=1800,
    )
    answers: dict[str, dict] = {}
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        try:
            o = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(o, dict) and "id" in o:
            answers[str(o["id"])] = {"error": "cli"} if "error" in o else o
    if not answers:
        raise SystemExit(f"CLI fallback produced no answers (exit {proc.returncode})")
    return answers


def ratio(num: int, den: int):
    return None if den == 0 else round(num / den, 4)


def score(questions: list[dict], answers: dict[str, dict]) -> dict:
    c = dict(
        n=0,
        answerable=0,
        unanswerable=0,
        errors=0,
        hit1=0,
        hit5=0,
        ahit=0,
        a_ref=0,
        u_ref=0,
        u_ref_notice=0,
        chit=0,
        chit_help=0,
        spans=0,
        span_ok=0,
    )
    for q in questions:
        a = answers.get(q["id"]) or {"error": "missing"}
        err = "error" in a
        c["n"] += 1
        c["errors"] += err
        refused = True if err else bool(a.get("no_answer"))
        notice = "" if err else (a.get("notice") or "")
        keys = [norm(p) for p in q["answers"]]
        if keys:
            c["answerable"] += 1
            texts = [norm(p.get("text", "")) for p in (a.get("passages") or [])] if not err else []
            found = [any(k in t for k in keys) for t in texts]
            c["hit1"] += bool(found[:1] and found[0])
            c["hit5"] += any(found[:5])
            c["ahit"] += (not refused) and any(k in norm(a.get("answer", "")) for k in keys)
            c["a_ref"] += refused
        else:
            c["unanswerable"] += 1
            c["u_ref"] += refused
            c["u_ref_notice"] += refused and bool(notice.strip())
        if q.get("answer_type") == "chitchat":
            c["chit"] += 1
            c["chit_help"] += (
                (not err) and a.get("answer_type") == "chitchat" and bool(notice.strip())
            )
        if q.get("expected_span"):
            c["spans"] += 1
            span = None if err else (a.get("answer_span") or {}).get("text")
            c["span_ok"] += span is not None and span.strip() in q["expected_span"].split("|")
    return {
        "n": c["n"],
        "answerable": c["answerable"],
        "unanswerable": c["unanswerable"],
        "errors": c["errors"],
        "hit@1": ratio(c["hit1"], c["answerable"]),
        "hit@5": ratio(c["hit5"], c["answerable"]),
        "answer_hit": ratio(c["ahit"], c["answerable"]),
        "answerable_refused": ratio(c["a_ref"], c["answerable"]),
        "unanswerable_refused": ratio(c["u_ref"], c["unanswerable"]),
        "chitchat_help": ratio(c["chit_help"], c["chit"]),
        "refused_with_notice": ratio(c["u_ref_notice"], c["u_ref"]),
        "span_exact": ratio(c["span_ok"], c["spans"]),
        "span_n": c["spans"],
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--code", required=True, help="worktree whose qabot is measured")
    ap.add_argument("--out", required=True)
    ap.add_argument("--questions", default=str(HERE / "w.jsonl"))
    args = ap.parse_args()
    code = Path(args.code).resolve()
    out = Path(args.out).resolve()
    questions = load(Path(args.questions).resolve())
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="batch17-") as t:
        tmp = Path(t)
        shutil.copytree(code / "docs_src", tmp / "docs_src")
        shutil.copytree(code / "embeddings", tmp / "embeddings")
        try:
            answers = ask_library(code, tmp, questions)
            via = "library"
        except (ImportError, AttributeError, TypeError) as exc:
            print(f"library API did not fit ({type(exc).__name__}); using the CLI", file=sys.stderr)
            answers = ask_cli(code, tmp, questions)
            via = "cli"
    types = sorted({q["type"] for q in questions})
    result = {
        "code": str(code),
        "questions": Path(args.questions).name,
        "via": via,
        "k": 5,
        "seconds": round(time.time() - started, 1),
        "overall": score(questions, answers),
        "by_type": {t: score([q for q in questions if q["type"] == t], answers) for t in types},
    }
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
