"""Hostile input at the edges (issue 23): odd file names, feedback files, addresses, slow
clients. Each is one clear line and a usage exit code, never a traceback or a stuck server."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from qabot.settings import Settings

from conftest import ROOT, CliRun, free_port, serving, small_corpus

sys.path.insert(0, str(ROOT / "scripts"))

from faulthttp import closed_by

# ---------------------------------------------------------------- 7. names and permissions


@pytest.mark.slow  # builds an index with the real model
def test_odd_file_names_are_skipped_or_shown_escaped(cli: CliRun, tmp_path: Path) -> None:
    docs = small_corpus(tmp_path / "docs", paragraphs=2)
    text = (docs / "dongli-interview.txt").read_bytes()
    (docs / os.fsdecode(b"bad\xff\xfename.txt")).write_bytes(text)  # a name not in UTF-8
    (docs / "esc\x1b[2Jred.txt").write_bytes(b"\x00\x01\x02 binary")
    index = str(tmp_path / "index")
    built = cli("index", "--docs", str(docs), "--index", index)
    assert built.code == 0, built.err
    assert "bad\\udcff\\udcfename.txt: its file name is not valid UTF-8" in built.out
    assert "esc\\x1b[2Jred.txt: not UTF-8" in built.out + built.err
    assert "\x1b" not in built.out + built.err
    asked = cli("ask", "东丽区", "--docs", str(docs), "--index", index)
    assert asked.code == 0, asked.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["feedback", "export", "{tmp}"], "cannot use {tmp}: Is a directory"),
        (["feedback", "--file", "{tmp}/bad.sqlite3", "stats"], "is not a readable feedback"),
        (["serve", "--port", "70000"], "port must be 1-65535"),
        (["serve", "--host", "no-such-host.invalid"], "does not resolve"),
    ],
)
def test_feedback_files_and_addresses_are_usage_errors(
    tmp_path: Path, args: list[str], message: str, cli: CliRun
) -> None:
    (tmp_path / "bad.sqlite3").write_text("not a database")
    env = {"QABOT_STATE_DIR": str(tmp_path / "state")}
    code, _, err = cli(*(a.format(tmp=tmp_path) for a in args), env=env)
    assert code == 2, err
    assert message.format(tmp=tmp_path) in err
    assert "internal error" not in err and "Traceback" not in err


def test_a_port_in_use_is_named_before_the_model_loads(tmp_path: Path, cli: CliRun) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = cli("serve", "--port", str(port), "--index", str(tmp_path))
    assert code == 2, err  # was 3, "index problem", uvicorn's raw line
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in err


@pytest.mark.parametrize(
    ("name", "key"),
    [("QABOT_API_KEY", "密钥"), ("QABOT_ADMIN_KEY", "clé"), ("QABOT_API_KEY", "s3cret ")],
)
def test_a_key_no_request_could_send_stops_the_start(
    tmp_path: Path, name: str, key: str, cli: CliRun
) -> None:
    # Headers arrive as Latin-1: 密钥 could never match, every request was refused unexplained.
    port = str(free_port())
    code, _, err = cli("serve", "--port", port, "--index", str(tmp_path), env={name: key})
    assert code == 2, err  # before the model loads: the index folder is empty
    assert err.splitlines() == [
        f"qabot: error: {name} must be printable ASCII with no spaces at its ends (HTTP headers "
        "carry nothing else, so no request could ever match it); for a random one run "
        '`python -c "import secrets; print(secrets.token_urlsafe())"`'
    ]


# ---------------------------------------------------------------- 6. slow clients


@pytest.fixture
def server(shipped: Settings, tmp_path: Path) -> Iterator[str]:
    with serving(shipped, tmp_path) as running:
        yield running["url"]


@pytest.mark.slow
def test_slow_header_connections_do_not_hold_the_server(server: str) -> None:
    port = int(server.rsplit(":", 1)[1])
    idle = []
    try:
        for _ in range(1000):  # connections that never finish their headers
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            idle.append(sock)
        started = time.monotonic()
        with urllib.request.urlopen(f"{server}/healthz", timeout=10) as response:
            assert response.status == 200
        assert time.monotonic() - started < 5
        deadline = time.monotonic() + 12  # past the header timeout: the server closes them
        closed = sum(closed_by(sock, deadline) for sock in idle)
        assert closed == len(idle)
    finally:
        for sock in idle:
            sock.close()


def test_requests_past_the_limit_are_503_but_half_open_connections_do_not_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # uvicorn's limit_concurrency counted open connections: 1,000 slow clients made /healthz
    # a 503. The limit is on requests in progress; a client that never sends one is dropped.
    uvicorn = pytest.importorskip("uvicorn")
    from qabot.web import server as web_server

    monkeypatch.setattr(web_server, "REQUESTS", 2)
    release = threading.Event()
    started = threading.Semaphore(0)

    async def app(scope: dict, receive, send) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] == "/slow":
            started.release()
            await asyncio.get_running_loop().run_in_executor(None, release.wait, 30)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    port = free_port()
    config = uvicorn.Config(
        app, port=port, http=web_server.header_timeout_protocol(), log_level="error"
    )
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    idle: list[socket.socket] = []
    try:
        while not served.started:
            time.sleep(0.01)
        for _ in range(5):  # more half-open connections than the limit
            idle.append(socket.create_connection(("127.0.0.1", port)))
            idle[-1].sendall(b"GET / HTTP/1.1\r\n")
        assert _status(url + "/") == 200
        with ThreadPoolExecutor(2) as pool:
            slow = [pool.submit(_status, url + "/slow") for _ in range(2)]
            assert all(started.acquire(timeout=30) for _ in slow)  # both in progress
            assert _status(url + "/") == 503  # the third request at once
            release.set()
            assert [f.result() for f in slow] == [200, 200]
    finally:
        release.set()
        for sock in idle:
            sock.close()
        served.should_exit = True
        thread.join(10)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


# ---------------------------------------------------------------- 12. jieba's cache


@pytest.mark.slow  # a fresh interpreter, so jieba has not cached anything yet
def test_jieba_cache_lives_in_qabots_cache_folder(tmp_path: Path) -> None:
    code = "from qabot.lexical import Tokenizer; print(Tokenizer().tokenize('北辰区种春小麦'))"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert list((tmp_path / "qabot").glob("jieba*.cache")), "jieba cached somewhere else"
    assert "Traceback" not in done.stderr
