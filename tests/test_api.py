"""The Python API: what ``from qabot import …`` promises, on a tiny in-memory index and on the
real shipped one (read-only loading, thread safety, typed results, error reasons)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import qabot
from qabot import Engine, IndexStateError, UsageError
from qabot.settings import Settings

from conftest import FakeEmbedder, make_chunk, tiny_engine


def test_public_names_are_importable_and_typed() -> None:
    for name in qabot.__all__:
        assert getattr(qabot, name) is not None, name
    assert (Path(qabot.__file__).parent / "py.typed").exists()


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"question": "  "}, "empty_question"),
        ({"question": "问" * 501}, "question_too_long"),
        ({"question": "🙂🙂？"}, "no_words"),
        ({"question": "北辰区种了多少亩春小麦", "k": 0}, "bad_k"),
        ({"question": "北辰区种了多少亩春小麦", "district": "火星区"}, "unknown_district"),
        ({"question": "北辰区种了多少亩春小麦", "mode": "psychic"}, "bad_mode"),
    ],
)
def test_errors_carry_a_machine_readable_reason(tiny: Engine, kwargs: dict, reason: str) -> None:
    with pytest.raises(UsageError) as caught:
        tiny.ask(**kwargs)
    assert caught.value.reason == reason
    assert caught.value.exit_code == 2
    assert "--" not in str(caught.value)  # library wording, not the CLI's flags


def test_district_filter_and_comparison_interleave(tiny: Engine) -> None:
    only = tiny.ask("怎么建设生态环境？", k=4, district="东丽")
    assert {p.chunk.district for p in only.passages} == {"东丽区"}
    both = tiny.ask("北辰和东丽怎么建设生态环境？", k=4)
    assert both.districts == ["北辰区", "东丽区"]
    assert [p.chunk.district for p in both.passages] == ["北辰区", "东丽区"] * 2


def test_quoted_phrase_ranks_the_literal_passage_first(tiny: Engine) -> None:
    answer = tiny.ask("哪个区推行“小巷管家”？", k=2)
    assert "小巷管家" in answer.passages[0].chunk.text
    assert answer.to_dict()["passages"][0]["chunk_id"] == "dongli#p1"


def test_documents_count_paragraphs_not_chunks() -> None:
    first = "一是稳定粮食生产。种植春小麦6550亩。"
    second = "种植春小麦6550亩。完成2万亩高标准农田建设。"  # repeats the sentence before
    engine = tiny_engine(
        [
            make_chunk("beichen", 9, first, "北辰区"),
            make_chunk("beichen", 9, second, "北辰区", part=1),
            make_chunk("beichen", 10, "大力发展蔬菜生产。", "北辰区"),
        ]
    )
    (doc,) = engine.documents()
    assert (doc.paragraphs, doc.chunks) == (2, 3)
    assert doc.label() == "北辰区（天津市）：《北辰区报告》，2020"
    assert doc.label("en") == "北辰区 (天津市): 《北辰区报告》, 2020"
    chunk, paragraph = engine.paragraph("beichen#p9.1")
    assert chunk.part == 1
    assert paragraph == "一是稳定粮食生产。种植春小麦6550亩。完成2万亩高标准农田建设。"
    with pytest.raises(UsageError) as caught:
        engine.paragraph("nowhere#p1")
    assert caught.value.reason == "unknown_passage"


def test_answer_to_dict_has_the_contract_fields(tiny: Engine) -> None:
    data = tiny.ask("北辰区种了多少亩春小麦？", k=2, qid="q1").to_dict()
    assert {"id", "question", "districts", "no_answer", "answer", "passages", "latency_ms"} <= set(
        data
    )
    assert set(data["confidence"]) >= {"coverage", "dense"}
    assert data["id"] == "q1" and "6550亩" in data["answer"]


class _ProbeEmbedder(FakeEmbedder):
    """Records how many calls run at once (the engine must serialise them)."""

    def __init__(self) -> None:
        self.active = 0
        self.most = 0

    def embed_queries(self, texts):  # type: ignore[override]
        self.active += 1
        self.most = max(self.most, self.active)
        time.sleep(0.002)
        self.active -= 1
        return FakeEmbedder._embed(self, texts)


def test_ask_from_many_threads_gives_the_sequential_answers() -> None:
    engine = tiny_engine()
    probe = _ProbeEmbedder()
    engine.embedder.inner = probe  # keep the engine's lock, swap in the probe behind it
    distinct = ["北辰区种了多少亩春小麦？", "东丽区怎么治理污染？", "谁推行小巷管家？"]
    alone = {q: engine.ask(q, k=3).to_dict()["passages"] for q in distinct}
    questions = distinct * 20
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda q: engine.ask(q, k=3).to_dict()["passages"], questions))
    assert got == [alone[q] for q in questions]
    assert probe.most == 1


def test_load_is_read_only_and_answers(shipped: Settings, tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    for path in shipped.index.iterdir():
        target = index / path.name
        if path.is_dir():
            target.mkdir()
            for inner in path.iterdir():
                (target / inner.name).write_bytes(inner.read_bytes())
        else:
            target.write_bytes(path.read_bytes())
    before = {p: p.stat().st_mtime_ns for p in index.rglob("*")}
    engine = Engine.load(index)
    answers = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(engine.ask, ["北辰区种了多少亩春小麦？"] * 8))
    assert all("6550亩" in a.answer for a in answers)
    assert {p: p.stat().st_mtime_ns for p in index.rglob("*")} == before
    with pytest.raises(IndexStateError) as caught:
        Engine.load(index, embedder="st:sentence-transformers/all-MiniLM-L6-v2")
    assert "rebuild" in str(caught.value)
    with pytest.raises(IndexStateError) as missing:
        Engine.load(tmp_path / "nothing-here")
    assert missing.value.reason == "index_missing"
