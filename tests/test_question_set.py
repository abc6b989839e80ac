"""The session memo of the whole-set tests (tests/question_set.py) gives what the real parts
give: the embedder's own vectors, the engine's own answers, each a copy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from conftest import FakeEmbedder, tiny_engine
from question_set import MemoEmbedder, SetEngine


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
    answer = memo.ask("北辰区种了多少亩春小麦？", k=5, qid="q")
    answer.passages.clear()  # a test changing its answer leaves the remembered one whole
    assert memo.ask("北辰区种了多少亩春小麦？", k=5, qid="q").passages
    assert len(memo.ask("北辰区种了多少亩春小麦？", k=1, qid="q").passages) == 1
