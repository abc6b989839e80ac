"""Shared fixtures: the shipped corpus and index, copied so tests never touch the originals,
and small corpora cut from the real seeds for tests that build indexes."""

from __future__ import annotations

import atexit
import compileall
import gc
import hashlib
import io
import itertools
import json
import logging
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

# No model hub is reachable here or in CI: make the hub client fail fast instead of retrying.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Hypothesis's only plugin here is trio's, and no test uses trio: importing it cost 0.1 s.
os.environ.setdefault("HYPOTHESIS_NO_PLUGINS", "1")

from qabot import threads  # light: loads no pool

# The thread policy `qabot ask` sets before numpy, FAISS and the embedder load (one thread,
# passive waiting), so the tests run what users run. numpy's OpenBLAS otherwise started a
# thread per core in every process: beside other work (xdist workers, other jobs) its
# spinning threads made the word vectors' product 15 ms instead of 1 ms, a fifth of the
# whole-set passes.
os.environ.update(threads.policy())


import faiss
import numpy as np
import pytest

from qabot.cli import main
from qabot.engine import Engine
from qabot.lexical import LexicalIndex, Tokenizer
from qabot.settings import Settings
from qabot.store.faiss_store import FaissStore
from qabot.store.manifest import Manifest
from qabot.types import Chunk

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import forkserver
from fake_llm import FakeLLM

# The loopback Bot API server and its fixtures (api, config) for the Telegram tests; the
# whole-set passes shared within a session (set_engine, query_vectors); what the quick loop
# leaves out or draws less of; the child processes started early; how xdist spreads the suite.
pytest_plugins = ["fake_bot_api", "question_set", "quickloop", "early", "schedule"]

# The modules imported above hold half a million objects that live as long as the process
# (pypinyin's phrase table alone is 200,000 lists): every full collection walked them all,
# 80 ms each, and the last ones at exit took a second. Frozen, the collector skips them; what
# the tests create is still collected (and its unraisable exceptions still reported).
gc.freeze()
atexit.register(gc.freeze)  # runs after pytest's own end-of-session collections
# With the long-lived objects frozen, the few left make every tenth young collection a full
# one (CPython's 25% rule): eleven full collections of ~150,000 objects, 0.5 s. One in a
# hundred is enough for a test session.
gc.set_threshold(*gc.get_threshold()[:2], 100)


def pytest_configure(config: pytest.Config) -> None:
    """The fault drills start about two hundred qabot processes. Under PYTHONDONTWRITEBYTECODE
    (set on this machine and on many CI images) an editable install keeps no bytecode, so each
    of them compiled the whole package again: 0.2–0.25 s of a 1.5 s cold `qabot ask`. Written
    once here (only what is missing or stale), before any worker starts, every process loads
    it."""
    compileall.compile_dir(ROOT / "qabot", quiet=2)


def pytest_collection_finish() -> None:
    """The test modules and the items collected from them live as long: frozen too."""
    gc.freeze()


def _one_tls_context() -> None:
    """Each httpx client (TestClient, the bot's, the model client's) reads certifi's CA bundle
    into a new TLS context, about 50 ms each, 1.5 s of the quick loop. No test speaks TLS
    (every server here is on loopback, over http), so the default context is built once and
    shared, as one process may; any other verify or cert setting is built as before."""
    try:
        from httpx._transports import default
    except ImportError:  # no httpx, or its layout changed: nothing to share
        return
    build = default.create_ssl_context
    shared: list[ssl.SSLContext] = []

    def create(verify: object = True, cert: object = None, trust_env: bool = True) -> object:
        if verify is not True or cert is not None or not trust_env:
            return build(verify=verify, cert=cert, trust_env=trust_env)
        if not shared:
            shared.append(build(verify=True, cert=None, trust_env=True))
        return shared[0]

    default.create_ssl_context = create


_one_tls_context()


def _scratch_in_memory() -> None:
    """Test scratch files (tmp_path, and the temporary files of the processes the tests
    start) in /dev/shm when it is there: index builds and SQLite stores sync every file they
    write, and on a disk shared with other work each sync waited 5–40 ms, seconds of the quick
    loop. The same calls run; only the medium differs. A TMPDIR the user set is kept."""
    shm = Path("/dev/shm")
    if "TMPDIR" in os.environ or not (shm.is_dir() and os.access(shm, os.W_OK | os.X_OK)):
        return
    os.environ["TMPDIR"] = str(shm)
    tempfile.tempdir = None  # gettempdir() reads TMPDIR again


_scratch_in_memory()

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs_src"
# records kept beside the shipped index's passages (qabot.records): the interviewer's
# questions, as corpus.py numbers their paragraphs, the one photo caption and the lines of
# the page around the text
TURNS = [f"beichen-2020#p{n}" for n in (2, 7, 13, 19)] + [
    f"heping-2019#p{n}" for n in (4, 10, 16, 23)
]
CAPTION = "jinhaihu-2017#p4"
PAGE_LINES = [f"baodi-2021#p{n}" for n in (1, 4, 33, 34)] + [
    f"jinhaihu-2017#p{n}" for n in (1, *range(33, 40))
]
RECORDS = [*TURNS, CAPTION, *PAGE_LINES]
INDEX = ROOT / "embeddings"


@pytest.fixture(scope="session")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A private copy of docs_src/ and embeddings/ (the index shipped in the repository)."""
    base = tmp_path_factory.mktemp("shipped")
    shutil.copytree(DOCS, base / "docs_src")
    shutil.copytree(INDEX, base / "embeddings")
    return Settings(docs=base / "docs_src", index=base / "embeddings", embedder="e5-small")


@pytest.fixture(scope="session")
def engine(shipped: Settings) -> Engine:
    """The real engine on the shipped index, loaded once per test session."""
    return Engine.open(shipped, progress=False)


def small_corpus(folder: Path, paragraphs: int = 3) -> Path:
    """Two short documents cut from the real seeds (first paragraphs only), no catalog."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("dongli-interview.txt", "heping-2019-interview.txt"):
        lines = [
            line for line in (DOCS / name).read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        (folder / name).write_text("\n".join(lines[:paragraphs]) + "\n", encoding="utf-8")
    return folder


def run_qabot(
    *args: str,
    cwd: Path | None = None,
    stdin: str | None = None,
    env: dict | None = None,
    timeout: int = 300,
) -> subprocess.CompletedProcess:
    """``python -m qabot ARGS`` as a real process (forked by a server that has imported qabot
    when that is faithful, scripts/forkserver.py)."""
    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
    return forkserver.run(
        [sys.executable, "-m", "qabot", *args],
        cwd=cwd or ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )


class CliResult(NamedTuple):
    code: int
    out: str
    err: str


CliRun = Callable[..., CliResult]


def exec_after(setup: str, command: Sequence[str]) -> list[str]:
    """``command`` (an interpreter first) run by a small Python that first runs ``setup``
    (restore SIGINT, take a terminal), then execs it: what a ``preexec_fn`` would do, without
    the fork a ``preexec_fn`` makes subprocess use — in a worker that has loaded gRPC (the
    Milvus tests) gRPC's fork handlers aborted such a child before its exec (exit -6)."""
    return [
        sys.executable,
        "-c",
        f"{setup}; import os, sys; os.execv(sys.argv[1], sys.argv[1:])",
        *command,
    ]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> CliRun:
    """``qabot ARGS`` in this process: its exit code, stdout and stderr (``stdin`` fed to it).
    For usage errors, so the fast layer starts no process for them, and for what a command
    prints (tests/test_cli.py), so a slow test does not pay a process start and a model load
    per call; what only a process shows (``python -m``, signals, crashes) is run as one.
    ``main`` sets the thread variables (qabot.threads); the monkeypatch undoes that. The root
    logger's handlers (pytest's) are set aside during the call, so ``main``'s own logging
    set-up writes warnings to stderr as in a process."""
    for name in (*threads.COUNT_VARIABLES, threads.WAIT_VARIABLE):
        monkeypatch.setenv(name, os.environ.get(name, "1"))

    def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> CliResult:
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
        capsys.readouterr()  # what the test printed before: not this call's
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level
        root.handlers.clear()
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse's own errors
            code = exit_.code if isinstance(exit_.code, int) else 1
        finally:
            root.handlers[:], root.level = handlers, level
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


# ---------------------------------------------------------------------------- fast layer
# A deterministic fake embedder and a tiny in-memory index: for unit tests of retrieval,
# composition and the engine's API that need no model and no files.


class FakeEmbedder:
    """Bag of character bigrams hashed into 64 dimensions, L2-normalised: texts that share
    bigrams are close, as with a real model, and the same text always gives the same vector."""

    id = "fake-bigram-64"
    dim = 64
    version = "1"

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim  # 384 stands in for e5-small over the shipped index
        self.id = f"fake-bigram-{dim}"

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for a, b in itertools.pairwise(text):
                digest = hashlib.blake2b(f"{a}{b}".encode(), digest_size=2).digest()
                out[row, int.from_bytes(digest, "little") % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    embed_queries = _embed
    embed_passages = _embed


def make_chunk(doc_id: str, paragraph: int, text: str, district: str, part: int = 0) -> Chunk:
    return Chunk(
        id=f"{doc_id}#p{paragraph}" + (f".{part}" if part else ""),
        doc_id=doc_id,
        paragraph=paragraph,
        part=part,
        text=text,
        context="",
        district=district,
        city="天津市",
        speaker="",
        role="",
        date="2020",
        title=f"{district}报告",
        kind="report",
        source=f"{doc_id}.txt",
        line=paragraph,
    )


TINY_CHUNKS = (
    ("beichen", 1, "北辰区种植春小麦6550亩，扩大春播面积。", "北辰区"),
    ("beichen", 2, "北辰区推进垃圾分类，建设生态环境。", "北辰区"),
    ("dongli", 1, "东丽区推行“小巷管家”制度，治理基层。", "东丽区"),
    ("dongli", 2, "东丽区治理污染，建设生态环境。", "东丽区"),
)


def answered_by_whole_line(engine: Engine, question: str, cited: str, value: str) -> Chunk:
    """Asks ``question``: the answer must be the whole of passage 1 — the one ``cited`` (a
    byline, a document card) — copied, with ``value`` marked in it; returns that passage."""
    answer = engine.ask(question)
    assert not answer.no_answer, question
    top = answer.passages[0].chunk
    span = answer.answer_span
    assert top.id == cited and span is not None and span.passage == 1
    assert top.text[span.start : span.end] == span.text == value
    assert answer.answer == f"{top.text}[1]"  # the line, copied
    return top


def tiny_engine(chunks: Sequence[Chunk] | None = None) -> Engine:
    """An :class:`Engine` over a few hand-written chunks, with :class:`FakeEmbedder`."""
    chunks = list(chunks or (make_chunk(*row) for row in TINY_CHUNKS))
    embedder = FakeEmbedder()
    dense = faiss.IndexFlatIP(embedder.dim)
    dense.add(embedder.embed_passages([c.embed_text() for c in chunks]))
    districts = {c.district: c.city for c in chunks}
    tokenizer = Tokenizer(list(districts))
    lexical = LexicalIndex.build([tokenizer.tokenize(c.embed_text()) for c in chunks])
    manifest = Manifest(
        embedder=embedder.id,
        dim=embedder.dim,
        corpus_hash="tiny",
        documents={},
        chunks=len(chunks),
        index_type="IndexFlatIP",
        files={},
        districts=districts,
    )
    return Engine(FaissStore(manifest, chunks, dense, lexical), embedder)


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    """The local fake OpenAI-compatible model server (tests/fake_llm.py), running."""
    with FakeLLM().running() as server:
        yield server


@pytest.fixture()
def tiny() -> Engine:
    return tiny_engine()


@pytest.fixture(scope="session")
def shipped_light() -> Engine:
    """The shipped index (only read) with the fake embedder: the real districts, people and
    vocabulary for question analysis, without loading the model. Not for retrieval tests."""
    store = FaissStore.load(INDEX)
    return Engine(store, FakeEmbedder(store.manifest.dim))


# ---------------------------------------------------------------------------- qabot serve


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(shipped: Settings, state: Path, env: dict[str, str] | None = None) -> Iterator[dict]:
    """``qabot serve`` on a free loopback port, its feedback in the private folder ``state``,
    with ``env`` added to its environment."""
    port = free_port()
    env = {**os.environ, "QABOT_STATE_DIR": str(state), "PYTHONIOENCODING": "utf-8", **(env or {})}
    env.pop("QABOT_API_KEY", None)
    command = [sys.executable, "-m", "qabot", "serve", "--port", str(port)]
    command += ["--docs", str(shipped.docs), "--index", str(shipped.index), "--rate-limit", "0"]
    process = forkserver.popen(  # forked when faithful, as run_qabot's
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):
            if process.poll() is not None:
                pytest.fail(f"qabot serve exited: {process.stdout.read()}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                    if json.load(response)["status"] == "ok":
                        break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("qabot serve did not become healthy within two minutes")
        yield {"url": url, "feedback": state / "feedback.sqlite3"}
    finally:
        process.terminate()
        process.wait(timeout=30)


# ---------------------------------------------------------------------------- slow marker
# Tests that load the real model, start processes, drive a pty, run the bot (the fake Bot
# API's ``api`` fixture) or wait on real time are marked ``slow``: `pytest -m "not slow"` is
# the quick loop; `.ci/run` runs everything. A module all of whose tests are slow is listed
# in SLOW_MODULES: under `-m "not slow"` it is not even imported (Milvus, Selenium, the bot…;
# tests/quickloop.py).
SLOW_FIXTURES = {"engine", "shipped", "shipped_copy", "api", "set_engine", "query_vectors"}
SLOW_MODULES = {
    "test_cli",
    "test_concurrency",
    "test_embedders",
    "test_formats_equivalence",
    "test_hostile_drill",
    "test_milvus",
    "test_milvus_damage",
    "test_milvus_workers",
    "test_newcomer",
    "test_readme",
    "test_repl",
    "test_robustness",
    "test_snapshot",
    "test_store",
    "test_telegram",
    "test_telegram_features",
    "test_telegram_llm",
    "test_telegram_load",
    "test_telegram_noise",
    "test_types",
    "test_web_browser",
    "test_web_stream",
}


# python-telegram-bot's deprecation notices, silenced where the bot runs. Named by the
# tests rather than by a module's `pytestmark`: resolving the category imports the whole
# library (0.2 s), which the quick tests of a bot module do not need.
PTB_QUIET = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        fixtures = set(getattr(item, "fixturenames", ()))
        if module in SLOW_MODULES or SLOW_FIXTURES & fixtures:
            item.add_marker(pytest.mark.slow)
            if "api" in fixtures or module.startswith("test_telegram"):
                item.add_marker(PTB_QUIET)
