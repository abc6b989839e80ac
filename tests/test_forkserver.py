"""The fork server of the drills' ``qabot`` processes (scripts/forkserver.py): a forked child
behaves as the real interpreter the command would start, and whatever it could not reproduce
runs as one. Servers here import no qabot module: each starts in a few hundredths of a second."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import forkserver

# What a process can observe of how it was started.
PROBE = """
import os, signal, sys
print(sys.argv, sys.orig_argv[1:], repr(sys.path[0]), os.getcwd(), os.environ.get("PROBE"))
for s in (sys.stdin, sys.stdout, sys.stderr):
    print(s.name, s.mode, s.encoding, s.errors, s.line_buffering, s.write_through, s.seekable())
print({n.name: str(signal.getsignal(n)) for n in signal.Signals if n not in (9, 19)})
print(sorted(os.listdir("/proc/self/fd")), os.getpgrp() == int(sys.argv[1]))
print(sys.stdin.read())
sys.exit(5)
"""
LIGHT = ("json",)  # preloaded by the servers of these tests


@pytest.fixture(autouse=True)
def servers() -> Iterator[None]:
    """The servers a test starts are closed after it (a qabot one of the worker is kept)."""
    before = set(forkserver._SERVERS)
    yield
    for key in set(forkserver._SERVERS) - before:
        server = forkserver._SERVERS.pop(key)
        if server is not None:
            server.close()


def both(command: list[str], **kwargs: object) -> tuple[subprocess.Popen, subprocess.Popen]:
    forked = forkserver.popen(command, preload=LIGHT, **kwargs)
    spawned = subprocess.Popen(command, **kwargs)
    assert isinstance(forked, forkserver.ForkedPopen)
    return forked, spawned


def test_a_forked_child_is_what_the_interpreter_starts(tmp_path: Path) -> None:
    """Arguments (undecodable bytes too), cwd, env, stdio, signal dispositions, open files,
    process group, stdin and exit code: the same as a spawned interpreter's."""
    command = [sys.executable, "-c", PROBE, str(os.getpgrp()), b"\xff"]
    env = {**os.environ, "PROBE": "环境"}
    runs = both(command, env=env, cwd=tmp_path, stdin=-1, stdout=-1, stderr=-1)
    forked, spawned = ((*p.communicate(b"input", timeout=60), p.returncode) for p in runs)
    assert forked == spawned
    assert forked[2] == 5 and "环境" in forked[0].decode() and not forked[1]


@pytest.mark.parametrize(
    "ending",
    [
        "sys.exit('bye')",
        "raise KeyboardInterrupt",
        "sys.stdout.write('unflushed'); sys.exit(3)",
        "raise ValueError('no')",
        "import atexit, threading, time\n"
        "atexit.register(print, 'atexit')\n"
        "threading.Thread(target=lambda: (time.sleep(0.2), print('thread'))).start()",
    ],
)
def test_a_forked_child_ends_as_the_interpreter_does(ending: str) -> None:
    """Exit code, death by an uncaught Ctrl-C, non-daemon threads joined, atexit handlers run,
    buffered output flushed, the exception's last line, as a spawned interpreter's."""
    command = [sys.executable, "-c", f"import sys\n{ending}"]
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    runs = both(command, env=buffered, stdout=-1, stderr=-1)
    ends = [(p.communicate(timeout=60), p.returncode) for p in runs]
    (forked, forked_code), (spawned, spawned_code) = ends
    assert forked_code == spawned_code
    assert forked[0] == spawned[0] and forked[1].splitlines()[-1:] == spawned[1].splitlines()[-1:]


def test_kill_wait_and_timeout() -> None:
    process = forkserver.popen([sys.executable, "-c", "import time; time.sleep(60)"], preload=LIGHT)
    assert isinstance(process, forkserver.ForkedPopen) and process.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        process.wait(0.1)
    process.send_signal(signal.SIGKILL)
    assert process.wait(10) == -9
    process.kill()  # reaped: nothing is signalled
    done = forkserver.run(
        [sys.executable, "-c", "import os; os.kill(os.getpid(), 15)"], preload=LIGHT
    )
    assert done.returncode == -15


def test_what_a_fork_cannot_reproduce_is_spawned(tmp_path: Path) -> None:
    """Thread counts left to qabot, a failing import, an unknown option: real processes."""
    command = [sys.executable, "-c", "import sys; print(sys.argv[1])", "ok"]
    unset = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    spawned = forkserver.popen(command, env=unset, preload=LIGHT, stdout=-1)
    assert not isinstance(spawned, forkserver.ForkedPopen) and spawned.communicate()[0] == b"ok\n"
    failing = forkserver.run(command, preload=("no_such_module",), capture_output=True)
    assert (failing.returncode, failing.stdout) == (0, b"ok\n")
    assert forkserver._SERVERS[("no_such_module",), forkserver._import_time(os.environ)] is None
    other = forkserver.popen(command, preload=LIGHT, umask=0o77, stdout=subprocess.PIPE)
    assert not isinstance(other, forkserver.ForkedPopen) and other.communicate()[0] == b"ok\n"


def test_home_files_and_shadowing_modules_make_a_real_interpreter(tmp_path: Path) -> None:
    """A file the imports read from the cache folder differs, or the working folder has a
    module of the same name: the child execs a real interpreter, which sees them."""
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "cached.py").write_text(
        "import os\nVALUE = open(os.path.expanduser('~/.cache/value')).read()\n"
    )
    for home in ("a", "b"):
        (tmp_path / home / ".cache").mkdir(parents=True)
        (tmp_path / home / ".cache" / "value").write_text(home)
    env = {**os.environ, "HOME": str(tmp_path / "a"), "PYTHONPATH": str(tmp_path / "lib")}
    env.pop("XDG_CACHE_HOME", None)
    code = "import sys; print('cached' in sys.modules); import cached; print(cached.VALUE)"
    command = [sys.executable, "-c", code]

    def run(home: str, cwd: Path = tmp_path) -> str:
        done = forkserver.run(
            command,
            env={**env, "HOME": str(tmp_path / home)},
            cwd=cwd,
            preload=("cached",),
            capture_output=True,
            text=True,
        )
        return done.stdout

    assert run("a") == "True\na\n"  # forked: imported by the server
    assert run("b") == "False\nb\n"  # exec'd: imports it afresh
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "cached.py").write_text("VALUE = 'shadow'\n")
    assert run("a", tmp_path / "c") == "False\nshadow\n"


def test_no_process_outlives_its_server() -> None:
    process = forkserver.popen([sys.executable, "-c", "import time; time.sleep(60)"], preload=LIGHT)
    (server,) = [s for k, s in forkserver._SERVERS.items() if k[0] == LIGHT]
    assert server is not None
    server.close()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{process.pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not Path(f"/proc/{process.pid}").exists()
    assert server.process.returncode == 0
    assert process.wait(10) == -9  # killed by its server, which said so
