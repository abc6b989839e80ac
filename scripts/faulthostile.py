"""Fault-drill cases of issue 23 (hostile and odd input): a question built to stall the
server, numbers too long for Python, a manifest naming /dev/zero, unreadable folders and
undecodable names, legacy encodings, a document of 20,000 lines, and slow HTTP clients.

Group ``hostile``; ``item`` is the numbered point of issue 23. The HTTP cases start one real
``qabot serve`` on a loopback port and keep their connection counts modest (200).
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from faultlib import QUESTION, Case, Lab, Result, Site, can_drop_privileges, check

SLOW_CONNECTIONS = 200
#: 500 common Han characters in no order: the most work a question may ask of the engine
HAN_500 = "".join(chr(0x4E00 + (n * 7919) % 20900) for n in range(500))
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
    ok = done.returncode == 0 and took < 60
    return Result(f"exit {done.returncode}, parsed and chunked in {took:.1f}s", ok)


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


# ---------------------------------------------------------------------- HTTP


class _Server:
    """``qabot serve`` on a free loopback port for the HTTP cases."""

    def __init__(self, site: Site) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = {**site.env(), "QABOT_RATE_LIMIT": "0", "QABOT_STATE_DIR": str(site.docs.parent)}
        self.process = subprocess.Popen(
            [*site.command("serve", "--port", str(self.port))],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(600):
            try:
                if self.get("/healthz", 2)[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("qabot serve did not start")

    def get(self, path: str, timeout: float) -> tuple[int, float]:
        started = time.monotonic()
        with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
            response.read()
            return response.status, time.monotonic() - started

    def ask(self, question: str, timeout: float = 60) -> tuple[int, float]:
        body = json.dumps({"question": question}).encode()
        request = urllib.request.Request(
            self.url + "/api/ask", body, {"Content-Type": "application/json"}
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        return status, time.monotonic() - started

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def http_question_dos(lab: Lab) -> Result:
    server = _Server(lab.site("http-dos"))
    try:
        server.ask(QUESTION)  # warm
        with ThreadPoolExecutor(4) as pool:
            hostile = [pool.submit(server.ask, HAN_500) for _ in range(2)]
            hostile += [pool.submit(server.ask, "a" * 78) for _ in range(2)]
            time.sleep(0.5)
            status, took = server.ask(QUESTION)
            codes = sorted(f.result()[0] for f in hostile)
    finally:
        server.close()
    return Result(
        f"normal question {status} in {took:.2f}s beside hostile {codes}",
        status == 200 and took < 1.0 and all(c in (200, 400) for c in codes),
    )


def http_slow_headers(lab: Lab) -> Result:
    server = _Server(lab.site("http-slow"))
    idle: list[socket.socket] = []
    try:
        for _ in range(SLOW_CONNECTIONS):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finished
            idle.append(sock)
        status, took = server.get("/healthz", 10)
        time.sleep(11)  # past the header timeout
        closed = sum(1 for sock in idle if sock.recv(1) == b"")
    finally:
        for sock in idle:
            sock.close()
        server.close()
    return Result(
        f"/healthz {status} in {took:.2f}s beside {SLOW_CONNECTIONS} half-open; "
        f"{closed} closed by the server",
        status == 200 and took < 1.0 and closed == SLOW_CONNECTIONS,
    )


HOSTILE_CASES = [
    Case("repeated-letters-question", 1, "hostile", "answered, well under 60 s", repeated_letters),
    Case("http-long-question-dos", 1, "hostile", "normal question 200 < 1 s", http_question_dos),
    Case(
        "long-numbers-batch",
        2,
        "hostile",
        "exit 0, the 5,000-digit id line an error",
        long_numbers_batch,
    ),
    Case("manifest-names-dev-zero", 3, "hostile", "exit 3 naming it, no hang", manifest_dev_zero),
    Case("http-slow-headers", 6, "hostile", "/healthz < 1 s; half-open closed", http_slow_headers),
    Case("index-folder-unreadable", 7, "hostile", "exit 3 naming the path", unreadable_index),
    Case(
        "undecodable-file-name",
        7,
        "hostile",
        "skipped by name, escaped; same answer",
        undecodable_name,
    ),
    Case("serve-port-in-use", 11, "hostile", "exit 2 naming the port", port_in_use),
    Case("non-ascii-api-key", 11, "hostile", "serve: exit 2 at start-up, one line", non_ascii_key),
    Case(
        "milvus-lite-file-truncated",
        10,
        "hostile",
        "exit 3 naming it; index --force keeps it aside, rebuilds",
        milvus_lite_damaged,
    ),
    Case("gb18030-toned-pinyin", 8, "hostile", "indexed, not refused", gb18030_pinyin),
    Case("20000-short-lines", 9, "hostile", "parsed well under 60 s", many_short_lines),
    Case(
        "manifest-districts-list",
        12,
        "hostile",
        "ask exit 3 naming the key; index heals; same answer",
        manifest_districts,
    ),
]
