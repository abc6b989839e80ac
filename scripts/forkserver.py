"""A fork server ("zygote") for the tests' and the fault drill's ``python -m qabot`` processes.

Most of a ``qabot`` process's 1.3 s of CPU went to imports (jieba, pypinyin, numpy, FAISS). A
server per owner (a pytest worker) and environment imports them once, runs nothing and starts
no thread pool, then forks a child per command, which takes the caller's stdio (sent over a
Unix socket), environment, folder and arguments and runs as ``python -m``/``-c`` would. The
caller holds a :class:`subprocess.Popen` whose pid, pipes, signals and exit status are the
child's. What a fork could not reproduce is spawned (:func:`popen`) or exec'd (:func:`_faithful`).
Run as a script, it is the server: ``forkserver.py FD MODULE…``.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import pickle
import runpy
import select
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import types
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

# Read by the native pools when they load (qabot.threads): the children must share them.
FIXED = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_WAIT_POLICY")
# Read only at run time, so a child may differ from its server: qabot's settings (QABOT_*,
# not its thread count) and where state and caches live (files read at import: _faithful).
RUNTIME_ONLY = ("HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
#: what a server imports: qabot's command line and the modules of its engine and indexer
PRELOAD = ("qabot.cli", "qabot.engine", "qabot.indexer")
_SERVERS: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], Server | None] = {}


def _import_time(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The variables a child must share with its server."""
    runtime = {*RUNTIME_ONLY} | {k for k in env if k.startswith("QABOT_")} - {"QABOT_THREADS"}
    return tuple(sorted((k, v) for k, v in env.items() if k not in runtime))


class Server:
    """The owner's end of one server, for the environments of one :func:`_import_time`."""

    def __init__(self, env: dict[str, str], preload: Sequence[str]) -> None:
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            command = [sys.executable, __file__, str(theirs.fileno()), *preload]
            quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL}
            self.process = subprocess.Popen(command, env=env, pass_fds=[theirs.fileno()], **quiet)
        if (ready := self.control.recv(4096)) != b"ready":  # or why not
            self.close()
            raise OSError(f"the fork server did not start: {ready.decode() or 'no answer'}")

    def close(self) -> None:
        """Closing the socket ends the server (and kills any child still running)."""
        self.control.close()
        self.process.wait()


class ForkedPopen(subprocess.Popen):  # type: ignore[type-arg]
    """A :class:`subprocess.Popen` whose child a :class:`Server` forks, waits for and signals:
    ``communicate``, ``wait``, pipes and text mode are Popen's own."""

    def __init__(self, server: Server, args: list[str | bytes], **kwargs: Any) -> None:
        self._server = server
        super().__init__(args, **kwargs)

    def _execute_child(  # type: ignore[override]
        self, args: list[str | bytes], executable: Any, preexec_fn: Any, close_fds: Any, pass_fds:
        Any, cwd: Any, env: Any, startupinfo: Any, creationflags: Any, shell: Any, p2cread: int,
        p2cwrite: int, c2pread: int, c2pwrite: int, errread: int, errwrite: int, *_: Any,
    ) -> None:  # fmt: skip
        """Asks the server for the child, with these stdio fds (the owner's own if not given)."""
        fds = [own if fd == -1 else fd for fd, own in ((p2cread, 0), (c2pwrite, 1), (errwrite, 2))]
        environ = dict(os.environ if env is None else env)
        message = pickle.dumps((list(args[1:]), environ, cwd or os.getcwd()))  # str, bytes
        self._status, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            with theirs:
                socket.send_fds(self._server.control, [message], [*fds, theirs.fileno()])
            if not (answer := self._status.recv(64)).startswith(b"pid "):
                self._status.close()
                raise OSError(f"the fork server did not fork: {answer.decode() or 'gone'}")
            self.pid = int(answer[4:])
        finally:
            self._close_pipe_fds(p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite)

    def _report(self, flags: int = 0, deadstate: int | None = None) -> int | None:
        """The status the server sent once it reaped the child; if the server is gone,
        ``deadstate`` (as Popen's), else :class:`ChildProcessError`."""
        if self.returncode is None:
            try:
                message = self._status.recv(64, flags)
            except BlockingIOError:
                return None
            except OSError:  # closed: the server was found gone before
                message = b""
            self._status.close()
            self.returncode = int(message[5:]) if message.startswith(b"exit ") else deadstate
            if self.returncode is None:
                raise ChildProcessError(f"the fork server lost child {self.pid}")
        return self.returncode

    def _internal_poll(self, _deadstate: int | None = None, **_: Any) -> int | None:
        return self._report(socket.MSG_DONTWAIT, _deadstate)

    def _wait(self, timeout: float | None) -> int:
        wait = None if timeout is None else max(timeout, 0)
        if self.returncode is None and not select.select([self._status], [], [], wait)[0]:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return self._report()  # type: ignore[return-value]

    def send_signal(self, sig: int) -> None:
        """Sent by the server, which signals only a child it has not reaped (no pid reuse)."""
        if self.poll() is None:
            self._status.send(b"%d" % sig)


def popen(
    command: Sequence[str | bytes], preload: Sequence[str] = PRELOAD, **kwargs: Any
) -> subprocess.Popen:  # type: ignore[type-arg]
    """``subprocess.Popen(command, **kwargs)``, forked by a server that imported ``preload``
    when that is faithful (module docstring), else spawned."""
    env = dict(os.environ if kwargs.get("env") is None else kwargs["env"])
    cwd, server = kwargs.get("cwd"), None
    if (
        len(command) > 2
        and command[0] == sys.executable
        and command[1] in ("-m", "-c")
        and set(kwargs) <= {"env", "cwd", "stdin", "stdout", "stderr", "text"}
        and all(name in env for name in FIXED)
        and (cwd is None or os.path.isdir(cwd))
    ):
        key = tuple(preload), _import_time(env)
        if key not in _SERVERS:
            try:
                _SERVERS[key] = Server(env, preload)
            except OSError as error:
                print(f"forkserver: {error}; spawning", file=sys.stderr)
                _SERVERS[key] = None
        server = _SERVERS[key]
    if server is not None:
        with contextlib.suppress(OSError):  # a server gone: the command is spawned
            return ForkedPopen(server, list(command), **kwargs)
    return subprocess.Popen(command, **kwargs)


def run(
    command: Sequence[str | bytes], input: Any = None, timeout: float | None = None, **kwargs: Any
) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    """:func:`subprocess.run` (without ``check``) through :func:`popen`."""
    if input is not None:
        kwargs["stdin"] = subprocess.PIPE
    if kwargs.pop("capture_output", False):
        kwargs["stdout"] = kwargs["stderr"] = subprocess.PIPE
    with popen(command, **kwargs) as process:
        try:
            out, err = process.communicate(input, timeout=timeout)
        except BaseException:
            process.kill()  # subprocess.run does the same: no child outlives its call
            raise
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@atexit.register
def close_all() -> None:
    """Every server this process started ends (and, with it, any child still running)."""
    for server in filter(None, _SERVERS.values()):
        server.close()
    _SERVERS.clear()


# ---------------------------------------------------------------------------- the server

Request = tuple[list[Any], dict[Any, Any], Any, list[int]]  # argv, env, cwd, stdio
Read = dict[str, bytes]  # path in the cache folder: content


def _cache() -> str:
    """Where the imports may read per-user files (qabot.jiebastart: the word-tag table)."""
    return os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")


def _preload(modules: Sequence[str]) -> Read:
    """``modules`` imported; returns the files they read in the :func:`_cache` folder. Fails
    if they printed (a child would not print it again) or left a thread (pools die in forks)."""
    cache, opened, recording = os.path.join(_cache(), ""), set(), [True]

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if recording and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            opened.add(os.path.abspath(os.fsdecode(args[0])))

    sys.addaudithook(hook)
    with tempfile.TemporaryFile() as printed:
        saved, _ = os.dup(2), os.dup2(printed.fileno(), 2)
        try:
            for module in modules:
                __import__(module)
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            recording.clear()
        if printed.seek(0) or printed.read():
            raise ImportError(f"importing {', '.join(modules)} printed on stderr")
    if len(os.listdir("/proc/self/task")) > 1:
        raise ImportError("the imports started threads")
    paths = (p for p in sorted(opened) if p.startswith(cache) and os.path.isfile(p))
    return {os.path.relpath(p, cache): c for p in paths if (c := _content(p)) is not None}


def _content(path: str) -> bytes | None:
    """The file's bytes; ``None`` when it cannot be read (as a missing or different file)."""
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError:
        return None


def _faithful(read: Read) -> bool:
    """Whether imports run afresh here would do as the server's: the same files in this
    child's cache folder, no module of the working folder's in place of a loaded one."""
    if any(_content(os.path.join(_cache(), path)) != content for path, content in read.items()):
        return False
    for entry in os.listdir("."):  # first on sys.path under -m
        module = sys.modules.get(entry.partition(".")[0])
        found = entry if entry.endswith((".py", ".pyc", ".so")) else f"{entry}/__init__.py"
        loaded = getattr(module, "__file__", None) or found
        if module and os.path.isfile(found) and not os.path.samefile(found, loaded):
            return False
    return True


def _reap(pid: int, status: socket.socket | None) -> None:
    """Waits for child ``pid``; sends its exit status as a returncode to ``status``, if any."""
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if status is not None:
        with status, contextlib.suppress(OSError):
            status.send(b"exit %d" % code)


def _serve(control: socket.socket) -> Request | None:
    """Forks a child per request and reports its exit status; returns in the child (its
    request), or ``None`` once the owner has closed ``control`` (every child killed)."""
    selector = selectors.DefaultSelector()
    selector.register(control, selectors.EVENT_READ)
    children: dict[int, tuple[int, socket.socket | None]] = {}  # pid: pidfd, status socket
    while True:
        for key, _ in selector.select():
            if key.fileobj is control:
                message, fds, _flags, _ = socket.recv_fds(control, 1 << 20, 4)
                if not message:
                    for pid, (_pidfd, status) in children.items():
                        os.kill(pid, signal.SIGKILL)
                        _reap(pid, status)
                    return None
                *stdio, status_fd = fds
                status = socket.socket(fileno=status_fd)
                pid = os.fork()
                if pid == 0:  # nothing of the server's stays open in the child
                    selector.close()
                    for pidfd, sock in children.values():
                        os.close(pidfd)
                        if sock is not None:
                            sock.close()
                    control.close()
                    status.close()
                    return (*pickle.loads(message), stdio)
                for fd in stdio:
                    os.close(fd)
                pidfd = os.pidfd_open(pid)
                children[pid] = pidfd, status
                selector.register(pidfd, selectors.EVENT_READ, pid)
                selector.register(status, selectors.EVENT_READ, pid)
                with contextlib.suppress(OSError):  # the owner may be gone
                    status.send(b"pid %d" % pid)
            elif key.data in children:
                pid = key.data
                pidfd, status = children[pid]
                if key.fileobj == pidfd:  # the child ended
                    selector.unregister(pidfd)
                    os.close(pidfd)
                    del children[pid]
                    if status is not None:
                        selector.unregister(status)
                    _reap(pid, status)
                elif status is not None:  # a signal for the child, or the owner let it go
                    if asked := status.recv(64):
                        os.kill(pid, int(asked))
                    else:
                        selector.unregister(status)
                        status.close()
                        children[pid] = pidfd, None


def _stdio() -> None:
    """New ``sys.std*`` on fds 0–2, built as the interpreter builds them (line-buffered on a
    terminal, stderr always), with the server's encodings (same environment)."""
    unbuffered = sys.stdout.write_through
    for fd, name in enumerate(("stdin", "stdout", "stderr")):
        old, mode = getattr(sys, name), "r" if fd == 0 else "w"
        buffering = 0 if unbuffered and fd else -1
        buffer = open(fd, mode + "b", buffering, closefd=False)  # noqa: SIM115 (sys.std*)
        raw = getattr(buffer, "raw", buffer)
        raw.name = f"<{name}>"
        line = not unbuffered and (fd == 2 or raw.isatty())
        text = io.TextIOWrapper(buffer, old.encoding, old.errors, "\n", line, unbuffered)
        text.mode = mode
        vars(sys)[name] = vars(sys)[f"__{name}__"] = text


def _become(request: Request, startup: dict[int, Any], read: Read) -> list[str]:
    """This forked child made the process ``python ARGV`` would start (stdio, environment,
    folder, signal dispositions), or that process itself (exec) unless :func:`_faithful`."""
    argv, environ, cwd, stdio = request
    for target, fd in enumerate(stdio):
        os.dup2(fd, target)
    for fd in set(stdio) - {0, 1, 2}:
        os.close(fd)
    os.environ.clear()
    os.environ.update({os.fsdecode(k): os.fsdecode(v) for k, v in environ.items()})
    os.chdir(cwd)
    for number, handler in startup.items():
        signal.signal(number, handler)
    args = [os.fsdecode(a) for a in argv]
    if not _faithful(read):
        for number in (signal.SIGPIPE, signal.SIGXFSZ):  # as subprocess leaves them
            signal.signal(number, signal.SIG_DFL)
        os.execve(sys.executable, [sys.executable, *args], os.environ)
    sys.orig_argv = [sys.executable, *args]
    sys.path[0] = os.getcwd() if args[0] == "-m" else ""
    if "numpy.random" in sys.modules:  # a fresh process seeds it afresh
        sys.modules["numpy"].random.seed()
    _stdio()
    return args


def _run(argv: list[str]) -> NoReturn:
    """``python ARGV`` (``-m MODULE …``/``-c CODE …``) here, ending as the interpreter ends
    (exit code, traceback, death by an uncaught Ctrl-C; threads joined, atexit, flushes), then
    by os._exit: tearing down the modules the server imported took a forked child 0.6 s."""
    option, target, *args = argv
    code, interrupted = 0, False
    try:
        if option == "-m":
            sys.argv = [target, *args]  # run_module makes [0] the file, as -m does
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            sys.argv = ["-c", *args]
            main = sys.modules["__main__"] = types.ModuleType("__main__")
            exec(compile(target, "<string>", "exec"), main.__dict__)
    except SystemExit as exit_:
        code = exit_.code or 0 if exit_.code is None or isinstance(exit_.code, int) else 1
        if not isinstance(exit_.code, int | None):  # sys.exit("message")
            print(exit_.code, file=sys.stderr)
    except BaseException as error:
        sys.excepthook(type(error), error, error.__traceback__)
        code, interrupted = 1, isinstance(error, KeyboardInterrupt)
    if "threading" in sys.modules:
        sys.modules["threading"]._shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            code = code or 120
    if interrupted:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(int(code))


def serve(control_fd: int, modules: Sequence[str]) -> list[str] | None:
    """Imports ``modules``, says ready (or why not), serves; returns in a child its ARGV."""
    control = socket.socket(fileno=control_fd)
    catchable = signal.valid_signals() - {signal.SIGKILL, signal.SIGSTOP}
    startup = {n: h for n in catchable if (h := signal.getsignal(n)) is not None}
    try:
        if not {*FIXED} <= {*os.environ} or not hasattr(os, "pidfd_open"):
            raise ImportError(f"no pidfd_open or not all of {FIXED} set")
        read = _preload(modules)
    except ImportError as error:
        control.send(str(error).encode()[:4000])
        return None
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the children
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # reaped by waitpid
    control.send(b"ready")
    return None if (request := _serve(control)) is None else _become(request, startup, read)


if __name__ == "__main__" and (_argv := serve(int(sys.argv[1]), sys.argv[2:])) is not None:
    _run(_argv)
