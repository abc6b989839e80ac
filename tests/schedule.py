"""How the whole suite spreads over pytest-xdist workers (the README's `pytest -n auto
--maxprocesses 4`): the slow tests first, and a few groups of tests kept on one worker.

A long test started last is a tail the other workers cannot share: the slow tests go first,
the fast layer's hundreds of short tests last, where they even out the workers' ends. Two
workers per core, so a test computes while another waits on a process or a pause; the
wall-clock drill that failed beside busy workers (docs/benchmarks.md) now runs alone, last.
(The longest slow tests moved first, beside the whole-set group, made the group's worker the
last to finish: 419 s against 347 s, not kept.)
"""

from __future__ import annotations

import os

import pytest

from question_set import GROUP, GROUPED

# Modules whose tests share a module fixture that builds an index: spread over four workers,
# each worker built it again (test_store's 9 s build three times, 17–19 s of set-up each).
MODULE_UNITS = frozenset({"tests/test_store.py", "tests/test_milvus_damage.py"})
# Tests that hold qabot to a wall-clock limit: held back until every other test has run, then
# run with the other workers idle (beside busy ones the DoS case's normal questions took
# 1.08–1.67 s, limit 1 s).
LAST = frozenset({"tests/test_hostile_drill.py::test_hostile_case[1-http-long-question-dos]"})
# Workers per core for `-n auto`: a worker waits on qabot processes, servers and real-time
# pauses about half of its time (one per core left the cores half idle: CPU 622 s in 587 s
# of wall on two cores), so two per core keep both busy. --maxprocesses still caps them.
PER_CORE = 2


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """Two workers per core for `-n auto` (pytest-xdist's PYTEST_XDIST_AUTO_NUM_WORKERS, when
    set, still decides)."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return PER_CORE * (cores or 1)


@pytest.hookimpl(trylast=True)  # after conftest has marked the slow tests
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a worker, the slow tests first and those of :data:`LAST` last (a stable sort: the
    same order on every worker, as pytest-xdist requires). A single process keeps the file
    order, and its module fixtures set up once."""
    if hasattr(config, "workerinput"):
        items.sort(key=_rank)


def _rank(item: pytest.Item) -> int:
    if item.nodeid in LAST:
        return 2
    return 0 if item.get_closest_marker("slow") else 1


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """Load scheduling (pytest-xdist's default), each test its own unit of work but the
    whole-set tests (:data:`question_set.GROUPED`, one pass per session) and the modules of
    :data:`MODULE_UNITS`, and the tests of :data:`LAST` given out only when no other test is
    left to run or running; any other ``--dist`` is left as asked. (An ``xdist_group`` marker
    would say the same, but pytest-xdist 3.8 loses it under pytest 9.2's structured node ids:
    pytest-xdist#1386.)"""
    if config.getvalue("dist") not in ("load", "loadgroup"):
        return None
    from xdist.scheduler import LoadGroupScheduling
    from xdist.workermanage import WorkerController

    class Units(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.partition("[")[0] in GROUPED:
                return GROUP
            module = nodeid.partition("::")[0]
            return module if module in MODULE_UNITS else super()._split_scope(nodeid)

        def _reschedule(self, node: WorkerController) -> None:
            """Once only :data:`LAST` is left: one worker (the least busy) is kept for it,
            the others are shut down, and it is sent when they have finished. (A worker
            runs its last test only when sent more work or shut down: pytest wants the next
            item first.)"""
            if not self.workqueue or any(scope not in LAST for scope in self.workqueue):
                super()._reschedule(node)
                return
            live = [n for n in self.assigned_work if not n.shutting_down]
            if not live:
                return
            keeper = min(live, key=lambda n: self._pending_of(self.assigned_work[n]))
            for other in live:
                if other is not keeper:
                    other.shutdown()
            others = (work for n, work in self.assigned_work.items() if n is not keeper)
            if not any(self._pending_of(work) for work in others):
                super()._reschedule(keeper)

    return Units(config, log)
