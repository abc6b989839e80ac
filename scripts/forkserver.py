"""A fork server ("zygote") for the tests' and the fault drill's ``python -m qabot`` processes.

A ``qabot`` process spends most of its 1.3 s of CPU importing (jieba, pypinyin, numpy, FAISS,
the embedder's engine), and the drills start hundreds. A server started once per owner (a
pytest worker, a drill run) imports those modules once, runs nothing, starts no thread pool,
then forks a child per command. The child takes the caller's stdin, stdout and stderr (sent
over a Unix socket), its environment, working folder and arguments, and runs the command as
``python -m``/``-c`` does, ending as the interpreter would. The caller holds a
:class:`subprocess.Popen` whose pid, pipes, signals and exit status are the child's (a kill -9
is ``-9``), reported by the server, which reaps its children.

Whatever a fork could not reproduce runs as a real process instead (:func:`popen`): a command
that is not ``python -m``/``-c`` (``setpriv …``), a Popen option other than pipes, ``env``
and ``cwd``, an environment that differs from the server's in a variable not known to be read
only after import, an owner without the thread variables (:data:`FIXED`), a file the imports
read from the home folder that differs in the child's, a working folder shadowing a module.

Run as a script, it is the server: ``forkserver.py FD MODULE…``.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import pickle
import runpy
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import types
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

# Read by the native pools when they load (qabot.threads): a server's children could not
# change them, so the owner must have set them and every child must have the same.
FIXED = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_WAIT_POLICY")
# Read only at run time, so a child may differ from its server: qabot's settings (not its
# thread count, which sets the pools) and where its state and caches live (a cache file the
# imports read is compared, :func:`_faithful`).
RUNTIME_ONLY = ("HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
#: processes started per route: "fork" (by a server), "spawn" (a real interpreter), "exec"
#: (a forked child that found itself unfaithful and became a real interpreter)
COUNTS: Counter[str] = Counter()
#: what a server imports: qabot's command line and the modules of its engine and indexer
PRELOAD = ("qabot.cli", "qabot.engine", "qabot.indexer")
_SERVERS: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], Server | None] = {}
_SEQ = socket.SOCK_SEQPACKET  # one send, one message: no framing


def _import_time(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The variables a child must share with its server."""
    runtime = {*RUNTIME_ONLY} | {k for k in env if k.startswith("QABOT_")} - {"QABOT_THREADS"}
    return tuple(sorted((k, v) for k, v in env.items() if k not in runtime))


class Server:
    """The owner's end of one server, for the environments of one :func:`_import_time`."""

    def __init__(self, env: Mapping[str, str], preload: Sequence[str]) -> None:
        self.control, theirs = socket.socketpair(socket.AF_UNIX, _SEQ)
        with theirs:
            self.process = subprocess.Popen(
                [sys.executable, __file__, str(theirs.fileno()), *preload],
                env=dict(env),
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
        self.control.settimeout(300)
        try:
            ready = self.control.recv(64)
        except OSError:
            ready = b""
        self.control.settimeout(None)
        if ready != b"ready":
            self.close()
            raise OSError(f"the fork server did not start: {ready.decode() or 'no answer'}")

    def fork(self, argv: list[bytes], env: Mapping[str, str], cwd: str, fds: list[int]) -> Any:
        """A child running ``python ARGV``; returns ``(pid, its status socket)``."""
        status, theirs = socket.socketpair(socket.AF_UNIX, _SEQ)
        environ = {os.fsencode(k): os.fsencode(v) for k, v in env.items()}
        message = pickle.dumps((argv, environ, os.fsencode(cwd)))
        with theirs:
            socket.send_fds(self.control, [message], [*fds, theirs.fileno()])
        answer = status.recv(64)
        if not answer.startswith(b"pid "):
            status.close()
            raise OSError(f"the fork server did not fork: {answer.decode() or 'gone'}")
        return int(answer[4:]), status

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
        self, args: list[str | bytes], executable: Any, preexec_fn: Any, close_fds: Any,
        pass_fds: Any, cwd: Any, env: Any, startupinfo: Any, creationflags: Any, shell: Any,
        p2cread: int, p2cwrite: int, c2pread: int, c2pwrite: int, errread: int, errwrite: int,
        *_: Any,
    ) -> None:  # fmt: skip
        fds = [p2cread, c2pwrite, errwrite]
        fds = [fd if fd != -1 else own for fd, own in zip(fds, (0, 1, 2), strict=True)]  # inherited
        try:
            argv = [os.fsencode(a) for a in args[1:]]
            environ = os.environ if env is None else env
            self.pid, self._status = self._server.fork(argv, environ, cwd or os.getcwd(), fds)
        finally:
            self._close_pipe_fds(p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite)

    def _report(self, block: bool, deadstate: int | None = None) -> int | None:
        """The exit status from the server, once it has reaped the child; ``deadstate`` (as
        Popen's) when the server is gone, else :class:`ChildProcessError`."""
        if self.returncode is None:
            try:
                message = self._status.recv(64, 0 if block else socket.MSG_DONTWAIT)
            except (BlockingIOError, TimeoutError):
                if block:
                    raise
                return None
            except OSError:  # closed: the server was found gone before
                message = b""
            self._status.close()
            if message.startswith(b"exit "):
                self.returncode = int(message[5:])
            elif deadstate is None:
                raise ChildProcessError(f"the fork server lost child {self.pid}")
            else:
                self.returncode = deadstate
        return self.returncode

    def _internal_poll(self, _deadstate: int | None = None, **_: Any) -> int | None:
        return self._report(False, _deadstate)

    def _wait(self, timeout: float | None) -> int:
        if self.returncode is None:
            self._status.settimeout(timeout)
            try:
                self._report(block=True)
            except TimeoutError:
                raise subprocess.TimeoutExpired(self.args, timeout or 0) from None
            finally:
                if self.returncode is None:
                    self._status.settimeout(None)
        assert self.returncode is not None
        return self.returncode

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
    cwd = kwargs.get("cwd")
    server = None
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
        try:
            process = ForkedPopen(server, list(command), **kwargs)
        except OSError:  # the server is gone: a real process still runs the command
            _SERVERS[key] = None
        else:
            COUNTS["fork"] += 1
            return process
    COUNTS["spawn"] += 1
    return subprocess.Popen(command, **kwargs)


def run(
    command: Sequence[str | bytes],
    input: bytes | str | None = None,
    timeout: float | None = None,
    capture_output: bool = False,
    **kwargs: Any,
) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    """:func:`subprocess.run` (without ``check``) through :func:`popen`."""
    if input is not None:
        kwargs["stdin"] = subprocess.PIPE
    if capture_output:
        kwargs["stdout"] = kwargs["stderr"] = subprocess.PIPE
    with popen(command, **kwargs) as process:
        try:
            out, err = process.communicate(input, timeout=timeout)
        except BaseException:
            process.kill()  # subprocess.run does the same: no child outlives its call
            raise
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def close_all() -> None:
    """Every server this process started ends (and, with it, any child still running)."""
    for server in filter(None, _SERVERS.values()):
        server.close()
    _SERVERS.clear()


if __name__ != "__main__":  # an owner (a server's children are no owners)
    atexit.register(close_all)


# ---------------------------------------------------------------------------- the server

_CATCHABLE = sorted(set(signal.valid_signals()) - {signal.SIGKILL, signal.SIGSTOP})
Request = tuple[list[bytes], dict[bytes, bytes], bytes, list[int]]
Read = dict[tuple[int, str], bytes]  # (root, relative path): content


def _cache_roots() -> list[str]:
    """Where the imports may read per-user files (qabot.jiebastart: the word-tag table)."""
    home = os.path.expanduser("~")
    return [os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache"), home]


def _preload(modules: Sequence[str]) -> Read:
    """``modules`` imported; returns the files they read under :func:`_cache_roots`, by root
    and relative path, with their contents. Fails if they printed anything (a warning would
    not be printed again by a child) or left a thread running (a pool would not survive)."""
    roots, opened, recording = _cache_roots(), set(), [True]
    installed = tuple(os.path.join(p, "") for p in {sys.prefix, sys.base_prefix, *sys.path} if p)

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if recording and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            opened.add(os.path.abspath(os.fsdecode(args[0])))

    sys.addaudithook(hook)
    with tempfile.TemporaryFile() as printed:
        saved = os.dup(2)
        os.dup2(printed.fileno(), 2)
        try:
            for module in modules:
                __import__(module)
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            recording.clear()
        printed.seek(0)
        if printed.read():
            raise ImportError(f"importing {', '.join(modules)} printed on stderr")
    if len(os.listdir("/proc/self/task")) > 1:
        raise ImportError("the imports started threads")
    read = {}
    for path in sorted(opened - {p for p in opened if p.startswith(installed)}):
        for number, root in enumerate(roots):
            if path.startswith(os.path.join(root, "")) and os.path.isfile(path):
                with open(path, "rb") as file:
                    read[number, os.path.relpath(path, root)] = file.read()
                break
    return read


def _faithful(read: Read) -> bool:
    """Whether this child's imports, run afresh, would do what the server's did: the same
    files under its own cache folder, no module of the working folder's in their place."""
    roots = _cache_roots()
    for (number, relative), content in read.items():
        try:
            with open(os.path.join(roots[number], relative), "rb") as file:
                if file.read() != content:
                    return False
        except OSError:
            return False
    for entry in os.listdir("."):  # first on sys.path under -m
        module = sys.modules.get(entry.partition(".")[0])
        found = entry if entry.endswith((".py", ".pyc", ".so")) else f"{entry}/__init__.py"
        loaded = getattr(module, "__file__", None) or ""
        if module and os.path.isfile(found) and not os.path.samefile(found, loaded or found):
            return False
    return True


def _reap(pid: int, status: socket.socket | None) -> None:
    """Waits for child ``pid`` and sends its exit status, as Popen's returncode, to ``status``
    (``None``: its owner let it go)."""
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
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    selector.close()
                    for fd, sock in children.values():
                        os.close(fd)
                        if sock is not None:
                            sock.close()
                    control.close()
                    status.close()
                    argv, environ, cwd = pickle.loads(message)
                    return argv, environ, cwd, stdio
                for fd in stdio:
                    os.close(fd)
                pidfd = os.pidfd_open(pid)
                children[pid] = pidfd, status
                selector.register(pidfd, selectors.EVENT_READ, pid)
                selector.register(status, selectors.EVENT_READ, pid)
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
                    asked = status.recv(64)
                    if asked:
                        os.kill(pid, int(asked))
                    else:
                        selector.unregister(status)
                        status.close()
                        children[pid] = pidfd, None


def _stdio() -> None:
    """New ``sys.stdin``/``stdout``/``stderr`` on fds 0–2, built as the interpreter builds them
    at start-up (line-buffered on a terminal, stderr always), with the server's encodings and
    error handlers (it started under the same environment)."""
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
        setattr(sys, name, text)
        setattr(sys, f"__{name}__", text)


def _become(request: Request, startup: dict[int, Any], read: Read) -> list[str]:
    """This forked child made the process ``python ARGV`` would start: its stdio, environment,
    working folder and signal dispositions; a real interpreter (exec) if :func:`_faithful`
    says the imports would differ."""
    argv, environ, cwd, stdio = request
    for target, fd in enumerate(stdio):
        os.dup2(fd, target)
    for fd in set(stdio) - {0, 1, 2}:
        os.close(fd)
    os.environb.clear()
    os.environb.update(environ)
    os.chdir(cwd)
    for number, handler in startup.items():
        signal.signal(number, handler)
    if not _faithful(read):
        for number in (signal.SIGPIPE, signal.SIGXFSZ):  # as subprocess leaves them
            signal.signal(number, signal.SIG_DFL)
        os.execve(sys.executable, [os.fsencode(sys.executable), *argv], environ)
    args = [os.fsdecode(a) for a in argv]
    sys.orig_argv = [sys.executable, *args]
    sys.path[0] = os.getcwd() if args[0] == "-m" else ""
    tempfile.tempdir = None  # read TMPDIR again
    if "numpy.random" in sys.modules:  # a fresh process seeds it afresh
        sys.modules["numpy"].random.seed()
    _stdio()
    return args


def _run(argv: list[str]) -> None:
    """``python ARGV`` (``-m MODULE …`` or ``-c CODE …``) in this process; the interpreter's
    own exit handles what it raises, as for any ``__main__``."""
    option, target, *args = argv
    if option == "-m":
        sys.argv = [target, *args]  # run_module makes [0] the file, as -m does
        runpy.run_module(target, run_name="__main__", alter_sys=True)
        return
    sys.argv = ["-c", *args]
    main = sys.modules["__main__"] = types.ModuleType("__main__")
    exec(compile(target, "<string>", "exec"), main.__dict__)


def serve(control_fd: int, modules: Sequence[str]) -> list[str] | None:
    """The server's life: import ``modules``, say ready (or why not), serve; returns the
    arguments to run in a child."""
    control = socket.socket(fileno=control_fd)
    startup = {n: signal.getsignal(n) for n in _CATCHABLE if signal.getsignal(n) is not None}
    try:
        missing = [name for name in FIXED if name not in os.environ]
        if missing:
            raise ImportError(f"{', '.join(missing)} not set: the pools would differ")
        if not hasattr(os, "pidfd_open"):
            raise ImportError("no pidfd_open here")
        read = _preload(modules)
    except ImportError as error:
        control.send(str(error).encode()[:4000])
        return None
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the children
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # reaped by waitpid
    control.send(b"ready")
    request = _serve(control)
    return None if request is None else _become(request, startup, read)


if __name__ == "__main__":
    _argv = serve(int(sys.argv[1]), sys.argv[2:])
    if _argv is not None:
        _run(_argv)
