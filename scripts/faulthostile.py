"""Fault-drill cases of issue 23 (hostile and odd input), one family or more per item of the
issue: a question built to stall the engine, numbers too long for Python (batch, REPL), a
manifest naming /dev/zero, unreadable folders and undecodable names, odd command-line targets,
legacy encodings, a document of 20,000 lines, a damaged Milvus Lite file, misleading messages,
wrong-typed manifests and jieba's cache. The cases against a running ``qabot serve`` (a
question flood, slow clients, feedback floods, a Milvus Lite file held) are in
:mod:`faulthttp`.

Group ``hostile``; ``item`` is the numbered point of issue 23.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import filelock
from faulthttp import feedback_flood, milvus_lite_held, question_dos, slow_headers

from faultlib import QUESTION, Case, Lab, Result, can_drop_privileges, check

PARSE = (
    "import sys, pathlib\n"
    "from qabot.corpus import load_corpus\n"
    "load_corpus(pathlib.Path(sys.argv[1])).chunks()"
)


def repeated_letters(lab: Lab) -> Result:
    started = time.monotonic()
    run = lab.site("repeated").qabot("ask", "a" * 78, "--json", timeout=120)
    took = time.monotonic() - started
    ok = run.rc == 0 and "Traceback" not in run.err and took < 60
    return Result(f"exit {run.rc} in {took:.1f}s", ok)


def long_numbers_batch(lab: Lab) -> Result:
    site = lab.site("long-numbers")
    lines = [
        json.dumps({"id": "first", "question": QUESTION}),
        json.dumps({"id": "digits", "question": "北辰区" + "9" * 400 + "亩"}),
        '{"id": ' + "7" * 5000 + ', "question": "q"}',
        json.dumps({"id": "last", "question": QUESTION}),
    ]
    run = site.qabot("ask", "--batch", "-", "--json", stdin="\n".join(lines).encode())
    objects = [json.loads(line) for line in run.out.splitlines() if line.strip()]
    kinds = " ".join("error" if "error" in o else "answer" for o in objects)
    return Result(f"exit {run.rc}: {kinds}", run.rc == 0 and kinds == "answer answer error answer")


def repl_odd_k(lab: Lab) -> Result:
    lines = [":k ²", ":k ①", ":k " + "9" * 5000, QUESTION, ":quit"]
    run = lab.site("repl-k").qabot("repl", "--json", stdin="\n".join(lines).encode())
    out = run.out.splitlines()
    answers = [line for line in out if line.startswith("{")]
    notices = [line for line in out if line.startswith("! ")]
    return Result(
        f"exit {run.rc}: {len(notices)} notices, {len(answers)} answers",
        run.rc == 0 and len(notices) == 3 and len(answers) == 1,
    )


def manifest_dev_zero(lab: Lab) -> Result:
    site = lab.site("dev-zero")
    manifest = site.manifest()
    manifest["checksums"]["/dev/zero"] = "0" * 64
    (site.index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return check(site.ask(), 3, "not a regular file inside the index folder")


def unreadable_index(lab: Lab) -> Result:
    if not can_drop_privileges():
        return Result("", True, skipped="as root without setpriv, permissions cannot be denied")
    site = lab.site("index-no-permission")
    site.index.chmod(0)
    try:
        return check(site.ask(unprivileged=True), 3, "Permission denied")
    finally:
        site.index.chmod(0o755)


def undecodable_name(lab: Lab) -> Result:
    site = lab.site("undecodable-name")
    text = (site.docs / "dongli-interview.txt").read_bytes()
    (site.docs / os.fsdecode(b"copy\xff\xfe.txt")).write_bytes(text)
    (site.docs / "esc\x1b[2J.txt").write_bytes(b"\x00\x01")
    built = site.qabot("index")
    named = "copy\\udcff\\udcfe.txt: its file name is not valid UTF-8" in built.out
    raw = "\x1b" in built.out + built.err
    result = check(site.ask(), 0, lab=lab)
    return Result(
        f"index exit {built.rc}, named={named}, raw escapes={raw}; ask {result.observed}",
        built.rc == 0 and named and not raw and result.ok,
    )


def gb18030_pinyin(lab: Lab) -> Result:
    site = lab.site("gb18030")
    seed = Path(__file__).resolve().parent.parent / "docs_src" / "beichen-2020-interview.txt"
    lines = [line for line in seed.read_text("utf-8").splitlines() if "(zh" in line][:6]
    (site.docs / "beichen.txt").write_bytes("\n".join(lines).encode("gb18030"))
    built = site.qabot("index")
    refused = "beichen.txt: not UTF-8" in built.out + built.err
    return Result(f"index exit {built.rc}, refused={refused}", built.rc == 0 and not refused)


def many_short_lines(lab: Lab) -> Result:
    site = lab.site("many-lines")
    kinds = ["第{}项工作", "东丽区种植{}亩。", "张三丰", "一、标题{}"]
    text = "\n".join(kinds[n % 4].format(n) for n in range(20_000))
    (site.docs / "many.txt").write_text(text, encoding="utf-8")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", PARSE, str(site.docs)],
        env=site.env(),
        capture_output=True,
        timeout=300,
    )
    took = time.monotonic() - started
    site.crashed("parse", done.returncode, done.stderr.decode("utf-8", "replace"))
    ok = done.returncode == 0 and took < 60
    return Result(f"exit {done.returncode}, parsed and chunked in {took:.1f}s", ok)


def odd_targets(lab: Lab) -> Result:
    site = lab.site("odd-targets")
    damaged = site.docs.parent / "feedback.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    runs = {
        "export to a folder": site.qabot("feedback", "export", str(site.docs)),
        "stats on a damaged store": site.qabot("feedback", "--file", str(damaged), "stats"),
        "--port 70000": site.qabot("serve", "--port", "70000", timeout=60),
        "a host that does not resolve": site.qabot("serve", "--host", "no-such.invalid"),
    }
    # argparse's own errors (--port) come as its usage line and "qabot serve: error: …"
    shown = [f"{name}: exit {run.rc}, {run.err_lines[-1][:70]}" for name, run in runs.items()]
    return Result(
        "; ".join(shown),
        all(run.rc == 2 and "Traceback" not in run.err for run in runs.values()),
    )


def ask_during_build(lab: Lab) -> Result:
    site = lab.site("ask-during-build")
    site.append("dongli-interview.txt", "东丽区新建口袋公园15个。")
    with filelock.FileLock(site.index / ".build.lock"):  # a build running in this process
        run = site.ask()
    said = "is running: answering from the index built" in run.err
    misleading = "could not be acquired" in run.err or "cannot build" in run.err
    result = check(run, 0, lab=lab)
    return Result(
        f"{result.observed}; says another build runs={said}, says cannot build={misleading}",
        result.ok and said and not misleading,
    )


def jieba_cache(lab: Lab) -> Result:
    site = lab.site("jieba-cache")
    cache = site.docs.parent / "cache"
    run = site.qabot("ask", QUESTION, "--json", env={"XDG_CACHE_HOME": str(cache)})
    cached = [p.name for p in (cache / "qabot").glob("jieba*.cache")]
    failed = "Dump cache file failed" in run.err
    return Result(
        f"exit {run.rc}; cached in $XDG_CACHE_HOME/qabot: {cached}; dump failed={failed}",
        run.rc == 0 and bool(cached) and not failed,
    )


def port_in_use(lab: Lab) -> Result:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        run = lab.site("port").qabot("serve", "--port", port, timeout=60)
    return check(run, 2, "Address already in use")


def milvus_lite_damaged(lab: Lab) -> Result:
    if importlib.util.find_spec("milvus_lite") is None:
        return Result("", True, skipped="the milvus extra is not installed")
    site = lab.site("milvus-damaged")
    db = site.docs.parent / "q.db"
    store = ("--store", f"milvus-lite:{db}")
    built = site.qabot("index", *store)
    db.write_bytes(db.read_bytes()[:5000])  # a copy cut short
    refused = check(site.qabot("ask", QUESTION, "--json", *store), 3, "is damaged", "--force")
    forced = site.qabot("index", "--force", *store)
    kept = [p.stat().st_size for p in db.parent.glob("q.db.damaged-*")]
    again = check(site.qabot("ask", QUESTION, "--json", *store), 0)
    return Result(
        f"index exit {built.rc}; ask {refused.observed}; index --force exit {forced.rc}, "
        f"kept {kept}; ask {again.observed}",
        built.rc == 0 and refused.ok and forced.rc == 0 and kept == [5000] and again.ok,
    )


def non_ascii_key(lab: Lab) -> Result:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    run = lab.site("key").qabot("serve", "--port", port, env={"QABOT_API_KEY": "密钥"}, timeout=60)
    return check(run, 2, "QABOT_API_KEY must be printable ASCII")


def manifest_districts(lab: Lab) -> Result:
    site = lab.site("districts-list")
    manifest = site.manifest()
    manifest["districts"] = ["东丽区"]
    (site.index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    refused = check(site.ask(), 3, "key 'districts' should be a table")
    healed = site.qabot("index")
    again = check(site.ask(), 0, lab=lab)
    return Result(
        f"ask {refused.observed}; index exit {healed.rc}; ask {again.observed}",
        refused.ok and healed.rc == 0 and again.ok,
    )


HOSTILE_CASES = [
    Case("repeated-letters-question", 1, "hostile", "answered, well under 60 s", repeated_letters),
    Case(
        "http-long-question-dos",
        1,
        "hostile",
        "normal questions 200 < 1 s beside 1,000/500-char and a × 78 ones",
        question_dos,
    ),
    Case(
        "long-numbers-batch",
        2,
        "hostile",
        "exit 0, the 5,000-digit id line an error",
        long_numbers_batch,
    ),
    Case(
        "repl-odd-k", 2, "hostile", ":k ², ①, 5,000 digits: 3 notices, session goes on", repl_odd_k
    ),
    Case("manifest-names-dev-zero", 3, "hostile", "exit 3 naming it, no hang", manifest_dev_zero),
    Case(
        "milvus-lite-held",
        4,
        "hostile",
        "second process exit 3 'held' (twice), first answers; Milvus dying: 503 < 20 s",
        milvus_lite_held,
    ),
    Case(
        "feedback-flood",
        5,
        "hostile",
        "oversized/surrogate/huge id 400; rate-limited 429; no 500",
        feedback_flood,
    ),
    Case(
        "http-slow-headers",
        6,
        "hostile",
        "/healthz and a question 200 beside 1,000 half-open; all closed",
        slow_headers,
    ),
    Case("index-folder-unreadable", 7, "hostile", "exit 3 naming the path", unreadable_index),
    Case(
        "undecodable-file-name",
        7,
        "hostile",
        "skipped by name, escaped; same answer",
        undecodable_name,
    ),
    Case("odd-cli-targets", 7, "hostile", "each exit 2, no traceback", odd_targets),
    Case("gb18030-toned-pinyin", 8, "hostile", "indexed, not refused", gb18030_pinyin),
    Case("20000-short-lines", 9, "hostile", "parsed well under 60 s", many_short_lines),
    Case(
        "milvus-lite-file-truncated",
        10,
        "hostile",
        "exit 3 naming it; index --force keeps it aside, rebuilds",
        milvus_lite_damaged,
    ),
    Case("serve-port-in-use", 11, "hostile", "exit 2 naming the port", port_in_use),
    Case("non-ascii-api-key", 11, "hostile", "serve: exit 2 at start-up, one line", non_ascii_key),
    Case(
        "ask-during-build",
        11,
        "hostile",
        "exit 0, 'another build … is running', same answer",
        ask_during_build,
    ),
    Case(
        "manifest-districts-list",
        12,
        "hostile",
        "ask exit 3 naming the key; index heals; same answer",
        manifest_districts,
    ),
    Case("jieba-cache-folder", 12, "hostile", "cached in qabot's folder, no dump", jieba_cache),
]
