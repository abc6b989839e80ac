"""The session memo of the whole-set tests (tests/question_set.py) gives what the real parts
give: the embedder's own vectors, the engine's own answers, each a copy."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from qabot.embedders import E5SmallEmbedder
from qabot.evaluation.questions import load_questions

from conftest import ROOT, FakeEmbedder, tiny_engine
from question_set import GROUP, GROUPED, MemoEmbedder, SetEngine, checked, question_vectors
from schedule import MODULE_UNITS, pytest_xdist_make_scheduler


class Counting(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, ...]] = []

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(tuple(texts))
        return super().embed_queries(texts)


def test_each_distinct_batch_is_embedded_once_and_given_as_a_copy() -> None:
    inner, vectors = Counting(), {}
    memo = MemoEmbedder(inner, vectors)
    first = memo.embed_queries(["北辰区春小麦", "东丽区"])
    first[:] = 0  # a caller writing into its vectors changes nothing for the next one
    again = memo.embed_queries(["北辰区春小麦", "东丽区"])
    alone = memo.embed_queries(["北辰区春小麦"])
    np.testing.assert_array_equal(again, FakeEmbedder().embed_queries(["北辰区春小麦", "东丽区"]))
    np.testing.assert_array_equal(alone, again[:1])
    assert inner.calls == [("北辰区春小麦", "东丽区"), ("北辰区春小麦",)]
    other = Counting()  # another engine's embedder, same model: the session's vectors serve
    np.testing.assert_array_equal(
        MemoEmbedder(other, vectors).embed_queries(["北辰区春小麦"]), alone
    )
    assert other.calls == []


def test_the_set_engine_answers_as_the_engine_does_once_per_question() -> None:
    plain = tiny_engine()
    inner, vectors = Counting(), {}
    memo = SetEngine(plain.store, MemoEmbedder(inner, vectors), None)
    for question, k in (("北辰区种了多少亩春小麦？", 5), ("东丽区怎样治理污染？", 2)):
        want = plain.ask(question, k=k, qid="q").to_dict()
        got = [memo.ask(question, k=k, qid="q").to_dict() for _ in range(2)]
        for answer in (want, *got):
            answer.pop("latency_ms")
        assert got == [want, want]
    assert len(memo.answers) == 2 and len(inner.calls) == len(set(inner.calls))
    memo.ask("北辰区种了多少亩春小麦？", 5, None, "hybrid", "q")  # the same call, written out
    assert len(memo.answers) == 2
    answer = memo.ask("北辰区种了多少亩春小麦？", k=5, qid="q")
    answer.passages.clear()  # a test changing its answer leaves the remembered one whole
    assert memo.ask("北辰区种了多少亩春小麦？", k=5, qid="q").passages
    assert len(memo.ask("北辰区种了多少亩春小麦？", k=1, qid="q").passages) == 1


def test_the_tests_that_share_the_passes_are_one_unit_of_work(
    pytestconfig: pytest.Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under `pytest -n`, one worker runs them all (pytest-xdist's own marker is lost under
    pytest 9.2); so does it a module of MODULE_UNITS; every other test is scheduled alone, as
    pytest-xdist's load scheduling does."""
    pytest.importorskip("xdist")
    monkeypatch.setattr(pytestconfig.option, "dist", "load")
    monkeypatch.setattr(pytestconfig.option, "tx", ["popen"] * 2)
    scheduler = pytest_xdist_make_scheduler(pytestconfig, None)
    shared = sorted(GROUPED)
    assert {scheduler._split_scope(nodeid) for nodeid in shared} == {GROUP}
    assert scheduler._split_scope(f"{shared[0]}[k5]") == GROUP
    other = "tests/test_answers.py::test_fit_finds_the_separating_thresholds"
    assert scheduler._split_scope(other) == other
    for module in MODULE_UNITS:  # a module building an index for its tests: one unit
        assert scheduler._split_scope(f"{module}::test_a[1]") == module
        assert (ROOT / module).is_file()
    monkeypatch.setattr(pytestconfig.option, "dist", "loadfile")  # asked for: left alone
    assert pytest_xdist_make_scheduler(pytestconfig, None) is None


def test_every_batch_of_the_set_has_its_stored_question_vectors() -> None:
    """A batch added or a question edited without `scripts/question_vectors.py` fails here
    (its vectors would be computed in every run, three minutes of CPU for the set)."""
    questions = load_questions(question_vectors.QUESTIONS)
    assert question_vectors.stale(questions) == [], "run scripts/question_vectors.py"


def test_stored_vectors_unlike_the_embedders_are_not_used(tmp_path: Path) -> None:
    live, texts = FakeEmbedder(), ["北辰区春小麦", "东丽区", "金海湖新区在哪里", "谢谢"]
    stored = dict(zip(texts, live.embed_queries(texts), strict=True))
    assert checked(live, stored) is stored
    stored["东丽区"] = live.embed_queries(["和平区"])[0]  # another model's, or stale
    with pytest.warns(UserWarning, match="differ from the embedder"):
        assert checked(live, stored) == {}
    qs = load_questions(question_vectors.QUESTIONS)[:3]
    np.savez(
        tmp_path / "q.npz",
        embedder=np.str_("fake-bigram-64 1"),
        questions=np.str_(question_vectors.fingerprint(qs)),
        texts=np.str_(json.dumps(texts, ensure_ascii=False)),
        vectors=live.embed_queries(texts),
    )
    assert set(question_vectors.load("fake-bigram-64 1", tmp_path)) == set(texts)
    assert question_vectors.load("e5-small 0.1", tmp_path) == {}  # another version's: none
    assert question_vectors.stale(qs, tmp_path) == []
    assert question_vectors.stale(qs[:2], tmp_path) == ["q"]


@pytest.mark.slow
def test_the_stored_question_vectors_are_the_live_embedders() -> None:
    live = E5SmallEmbedder()
    stored = question_vectors.load(question_vectors.embedder_tag(live))
    assert len(stored) > len(load_questions(question_vectors.QUESTIONS))
    assert checked(live, stored) is stored
