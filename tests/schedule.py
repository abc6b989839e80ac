"""How the whole suite spreads over pytest-xdist workers (the README's `pytest -n auto
--maxprocesses 4`): the slow tests first, and a few groups of tests kept on one worker.

A long test started last is a tail the other workers cannot share: the slow tests go first,
the fast layer's hundreds of short tests last, where they even out the workers' ends. (Two
workers per core, so a test computes while another waits on a process or a pause, was
measured at 0.90× of the time on average and within this machine's spread, and made the
wall-clock drill below fail in two runs of three: not kept, docs/benchmarks.md.)
"""

from __future__ import annotations

import pytest

from question_set import GROUP, GROUPED

# Modules whose tests share a module fixture that builds an index: spread over four workers,
# each worker built it again (test_store's 9 s build three times, 17–19 s of set-up each).
MODULE_UNITS = frozenset({"tests/test_store.py", "tests/test_milvus_damage.py"})
# Tests that hold qabot to a wall-clock limit: run when the other workers are finishing, not
# beside busy ones (the DoS case's normal questions took 1.08–1.67 s there, limit 1 s).
LAST = frozenset({"tests/test_hostile_drill.py::test_hostile_case[1-http-long-question-dos]"})


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
    :data:`MODULE_UNITS`; any other ``--dist`` is left as asked. (An ``xdist_group`` marker
    would say the same, but pytest-xdist 3.8 loses it under pytest 9.2's structured node ids:
    pytest-xdist#1386.)"""
    if config.getvalue("dist") not in ("load", "loadgroup"):
        return None
    from xdist.scheduler import LoadGroupScheduling

    class Units(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.partition("[")[0] in GROUPED:
                return GROUP
            module = nodeid.partition("::")[0]
            return module if module in MODULE_UNITS else super()._split_scope(nodeid)

    return Units(config, log)
