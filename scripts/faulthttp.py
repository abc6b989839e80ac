"""Fault-drill cases of issue 23 against a real ``qabot serve``: questions built to stall it,
1,000 clients that never finish their headers, feedback built to fill the disk, and a Milvus
Lite file another process wants.

Each case starts one server on a free loopback port (:class:`Server`); its log is read when it
stops, and a traceback there fails the case like one from any other process.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import forkserver
from faultlib import QUESTION, Lab, Result, Site, check

SLOW_CONNECTIONS = 1000
#: common Han characters in no order: 500 is the most work a question may ask of the engine,
#: 1,000 is past the length limit (a 400 at once)
HAN = "".join(chr(0x4E00 + (n * 7919) % 20900) for n in range(1000))


class Server:
    """``qabot serve ARGS`` on a free loopback port, its state (feedback) in the site."""

    def __init__(self, site: Site, *args: str, env: dict[str, str] | None = None) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.site = site
        self.log = site.docs.parent / f"serve-{self.port}.log"
        env = {
            **site.env(),
            "QABOT_RATE_LIMIT": "0",
            "QABOT_STATE_DIR": str(site.docs.parent),
            **(env or {}),
        }
        with self.log.open("wb") as log:
            self.process = forkserver.popen(  # forked when faithful, as Site.qabot
                [*site.command("serve", "--port", str(self.port), *args)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(600):
            try:
                if self.request("GET", "/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.close()
        raise RuntimeError("qabot serve did not start")

    def request(
        self, method: str, path: str, body: bytes | None = None, timeout: float = 60
    ) -> tuple[int, float, dict]:
        """Status, seconds and JSON body of one request (an error status is an answer too)."""
        request = urllib.request.Request(
            self.url + path, body, {"Content-Type": "application/json"}, method=method
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, text = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read()
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = {}
        return status, time.monotonic() - started, parsed if isinstance(parsed, dict) else {}

    def ask(self, question: str) -> tuple[int, float, dict]:
        return self.request("POST", "/api/ask", json.dumps({"question": question}).encode())

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.site.crashed("qabot serve", self.process.returncode, self.log.read_text("utf-8"))


def question_dos(lab: Lab) -> Result:
    server = Server(lab.site("http-dos"))
    try:
        server.ask(QUESTION)  # warm
        hostile = [HAN, HAN, HAN[:500], HAN[:500], "a" * 78, "a" * 78]
        with ThreadPoolExecutor(len(hostile)) as pool:
            pending = [pool.submit(server.ask, question) for question in hostile]
            time.sleep(0.3)
            normal = [server.ask(QUESTION)[:2] for _ in range(3)]
            codes = [f.result()[0] for f in pending]
    finally:
        server.close()
    slowest = max(took for _, took in normal)
    return Result(
        f"normal questions {[s for s, _ in normal]}, slowest {slowest:.2f}s, beside hostile "
        f"{codes} (1,000, 500 characters, a × 78)",
        all(s == 200 for s, _ in normal)
        and slowest < 1.0
        and codes[:2] == [400, 400]
        and all(c == 200 for c in codes[2:]),
    )


def slow_headers(lab: Lab) -> Result:
    server = Server(lab.site("http-slow"))
    idle: list[socket.socket] = []
    try:
        for _ in range(SLOW_CONNECTIONS):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finished
            idle.append(sock)
        status, took, _ = server.request("GET", "/healthz", timeout=10)
        asked = server.ask(QUESTION)[0]
        deadline = time.monotonic() + 11  # past the header timeout (10 s)
        closed = sum(closed_by(sock, deadline) for sock in idle)
    finally:
        for sock in idle:
            sock.close()
        server.close()
    return Result(
        f"/healthz {status} in {took:.2f}s, a question {asked}, beside {SLOW_CONNECTIONS} "
        f"half-open; {closed} closed by the server",
        status == 200 and asked == 200 and took < 1.0 and closed == SLOW_CONNECTIONS,
    )


def closed_by(sock: socket.socket, deadline: float) -> bool:
    """The server closed ``sock`` (end of stream, nothing sent) by ``deadline``: waited for
    as it happens rather than slept out."""
    sock.settimeout(max(deadline - time.monotonic(), 0.01))
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False


def feedback_flood(lab: Lab) -> Result:
    site = lab.site("feedback")
    server = Server(site, env={"QABOT_RATE_LIMIT": "5"})
    vote = {"question": QUESTION, "vote": "down", "chunk_ids": ["a#p1"]}
    try:
        odd = [
            server.request("POST", "/api/feedback", body)[0]
            for body in (
                json.dumps({**vote, "chunk_ids": ["x" * 1000] * 50}).encode(),  # 50 KB
                b'{"question": "\\ud800", "vote": "up"}',  # a lone surrogate
            )
        ]
        reason = json.dumps({"reason": "other", "token": "x"}).encode()
        odd.append(server.request("POST", "/api/feedback/" + "9" * 30 + "/reason", reason)[0])
        body = json.dumps(vote).encode()
        with ThreadPoolExecutor(8) as pool:
            flood = list(
                pool.map(lambda _: server.request("POST", "/api/feedback", body)[0], range(300))
            )
    finally:
        server.close()
    size = (site.docs.parent / "feedback.sqlite3").stat().st_size
    counts = {code: flood.count(code) for code in sorted(set(flood))}
    return Result(
        f"oversized, surrogate, 30-digit id: {odd}; 300 votes: {counts}; store {size // 1024} KB",
        all(c in (400, 422) for c in odd)
        and counts.get(200) == 5
        and set(counts) == {200, 429}
        and size < 256 * 1024,
    )


def _milvus_children(pid: int) -> list[int]:
    """The Milvus Lite server processes under ``pid`` (it starts one per open file)."""
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        command = Path(f"/proc/{child}/cmdline").read_bytes()
        if b"milvus" in command:
            found.append(int(child))
        found += _milvus_children(int(child))
    return found


def milvus_lite_held(lab: Lab) -> Result:
    if importlib.util.find_spec("milvus_lite") is None:
        return Result("", True, skipped="the milvus extra is not installed")
    site = lab.site("milvus-held")
    store = ("--store", f"milvus-lite:{site.docs.parent / 'q.db'}")
    built = site.qabot("index", *store)
    server = Server(site, *store)
    try:
        first = server.ask(QUESTION)[0]
        # Twice: Milvus Lite's refused second process used to delete the lock, letting a
        # third one open a second server on the file and corrupt it under the first.
        refused = [
            check(site.qabot("ask", QUESTION, "--json", *store), 3, "held by another process")
            for _ in range(2)
        ]
        still = server.ask(QUESTION)[0]
        for pid in _milvus_children(server.process.pid):  # a failure inside Milvus at query time
            os.kill(pid, signal.SIGKILL)
        failed, took, body = server.ask(QUESTION)
        alive = server.process.poll() is None
    finally:
        server.close()
    return Result(
        f"index exit {built.rc}; serve answers {first}; second ask {refused[0].observed[:90]}, "
        f"again exit {refused[1].observed[5:6]}; serve answers {still}; Milvus killed: "
        f"{failed} {body.get('reason')} in {took:.0f}s, serve alive={alive}",
        built.rc == 0
        and first == still == 200
        and all(r.ok for r in refused)
        and (failed, body.get("reason")) == (503, "store_failed")
        and took < 20
        and alive,
    )
