"""Bylines (作者:文|喻祖常, 责任编辑:双艳珍, 发布日期:2017/8/15, a bare name under the title):
kept out of the passages, stored with each index generation, and the answer to who wrote or
edited a document and when it went online. The other records kept so (the interviewer's
questions, photo captions) are tested in test_records.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qabot import indexer
from qabot.bylines import fields
from qabot.corpus import load_corpus
from qabot.engine import Engine
from qabot.errors import IndexStateError
from qabot.metadata import asked
from qabot.store.faiss_store import FaissStore
from qabot.store.manifest import MANIFEST

from conftest import DOCS, RECORDS, FakeEmbedder, answered_by_whole_line, small_corpus

SHIPPED = {
    "baodi-2021#p3": ("时间:2023-07-06", {"published": "2023-07-06"}),
    "beichen-2020#p25": ("责任编辑:双艳珍", {"editor": "双艳珍"}),
    "heping-2019#p2": ("时绍祥", {"author": "时绍祥"}),
    "jinhaihu-2017#p3": (
        "作者:文|喻祖常 发布日期:2017/8/15",
        {"author": "喻祖常", "published": "2017/8/15"},
    ),
}


def test_the_shipped_documents_bylines_are_found_and_cut_to_their_fields() -> None:
    """The page's own chrome around them (阅读次数:, 理论教育 版权反馈) is left out; each is
    cited where corpus.py numbers its paragraph and line."""
    lines = {c.id: c for c in load_corpus(DOCS).bylines() if c.id not in RECORDS}
    assert {i: c.text for i, c in lines.items()} == {i: t for i, (t, _) in SHIPPED.items()}
    for text, values in SHIPPED.values():
        spans = fields(text)
        assert {f: text[slice(*s)] for f, s in spans.items()} == values
    jinhaihu = lines["jinhaihu-2017#p3"]
    assert (jinhaihu.paragraph, jinhaihu.line, jinhaihu.speaker) == (3, 3, "喻祖常")
    assert jinhaihu.role == "党工委副书记、管委会主任" and jinhaihu.date == "2017-08-15"
    heping = lines["heping-2019#p2"]
    assert (heping.line, heping.speaker, heping.district) == (3, "时绍祥", "和平区")


def test_a_photo_caption_naming_the_author_is_no_byline() -> None:
    """作者在毕节金海湖新区…作推介(供图/…): the word 作者 without a label's colon."""
    assert fields("作者在毕节金海湖新区招商引资推介会上作推介(供图/毕节金海湖新区党政办)") == {}
    assert fields("理论教育", bare=False) == {}


def test_the_shipped_index_keeps_bylines_out_of_search(shipped_light: Engine) -> None:
    store = shipped_light.store
    kept = {c.id for c in store.bylines()}
    assert kept == set(SHIPPED) | set(RECORDS)
    assert kept.isdisjoint(c.id for c in store.iter_chunks())
    assert store.size == store.manifest.chunks == len(list(store.iter_chunks()))
    assert "bylines" in store.manifest.files


@pytest.mark.parametrize(
    ("question", "value", "cited"),
    [
        ("金海湖新区那篇文章是什么时候发布的？", "2017/8/15", "jinhaihu-2017#p3"),
        ("宝坻那篇文章是哪天发到网上的？", "2023-07-06", "baodi-2021#p3"),
        ("金海湖那篇文章是哪天在网上发布的？", "2017/8/15", "jinhaihu-2017#p3"),  # batch am
        ("When was the Jinhaihu article published?", "2017/8/15", "jinhaihu-2017#p3"),
        ("What is the publication date of the Baodi report?", "2023-07-06", "baodi-2021#p3"),
        ("宝坻区那篇报告的发布日期是哪天？", "2023-07-06", "baodi-2021#p3"),
        ("北辰区那篇专访的责任编辑是谁？", "双艳珍", "beichen-2020#p25"),
        ("Who edited the Beichen interview?", "双艳珍", "beichen-2020#p25"),
        ("和平区那篇专访稿的署名作者是谁？", "时绍祥", "heping-2019#p2"),
        ("金海湖新区那篇“113攻坚战”的文章是谁写的？", "喻祖常", "jinhaihu-2017#p3"),
        ("Who wrote the Jinhaihu article?", "喻祖常", "jinhaihu-2017#p3"),
        ("Who is the author of the Heping interview?", "时绍祥", "heping-2019#p2"),
    ],
)
def test_byline_questions_are_answered_from_the_byline(
    shipped_light: Engine, question: str, value: str, cited: str
) -> None:
    answered_by_whole_line(shipped_light, question, cited, value)


@pytest.mark.parametrize(
    ("question", "district", "field"),
    [
        ("东丽区那篇文章的作者是谁？", "东丽区", "author"),
        ("Who wrote the Dongli interview?", "东丽区", "author"),
        ("北辰区的专访是谁写的？", "北辰区", "author"),
        ("和平区那篇专访的责任编辑是谁？", "和平区", "editor"),
        ("东丽区那篇文章是哪天发的？", "东丽区", "published"),
    ],
)
def test_a_byline_the_district_lacks_is_refused_not_guessed(
    shipped_light: Engine, question: str, district: str, field: str
) -> None:
    """No name near the focus is marked: it would be someone else's (冯卫华 for 北辰区)."""
    own, lines = shipped_light.by_district[district], shipped_light.bylines.get(district, [])
    assert asked(question, district, own, (), lines).unheld == field
    answer = shipped_light.ask(question)
    assert answer.no_answer and answer.answer_span is None
    lacking = {"author": ("作者是谁", "author"), "editor": ("编辑是谁", "editor")}
    zh, en = lacking.get(field, ("发布日期", "publication date"))
    assert (en if question.isascii() else zh) in answer.notice.split("。")[0]


def test_other_questions_are_not_taken_for_byline_questions(shipped_light: Engine) -> None:
    own, lines = shipped_light.by_district, shipped_light.bylines
    for question, district in (
        ("这篇关于金海湖新区的文章作者是什么职务？", "金海湖新区"),  # the author's post
        ("金海湖新区发布了哪些招商政策？", "金海湖新区"),
        ("北辰区疫情信息的发布时间是几点？", "北辰区"),
        ("北辰区种了多少亩春小麦？", "北辰区"),
    ):
        found = asked(question, district, own[district], (), lines.get(district, []))
        assert found.fact is None or found.fact.chunk.id not in SHIPPED, question
        assert found.unheld == "", question
    # a year question stays one; a date question without a date byline falls back to it
    year = asked("金海湖新区的文章是哪一年的？", "金海湖新区", own["金海湖新区"], (), [])
    assert year.fact is not None and year.fact.value == "2017年"
    jinhaihu = asked("金海湖新区那篇文章是什么时候发布的？", "金海湖新区", own["金海湖新区"])
    assert jinhaihu.fact is not None and jinhaihu.fact.value == "2017年"


def test_a_cited_byline_opens_as_a_paragraph(shipped_light: Engine) -> None:
    chunk, text = shipped_light.paragraph("beichen-2020#p25")
    assert (chunk.district, text) == ("北辰区", "责任编辑:双艳珍")


# ------------------------------------------------------------------------ the FAISS store


def _build(tmp_path: Path) -> tuple[Path, Path]:
    docs, index = small_corpus(tmp_path / "docs"), tmp_path / "index"
    indexer.build(docs, index, FakeEmbedder(), progress=False)
    return docs, index


def test_bylines_round_trip_through_a_faiss_generation(tmp_path: Path) -> None:
    docs, index = _build(tmp_path)
    store = FaissStore.load(index)
    assert store.bylines() == load_corpus(docs).bylines()
    assert [c.text for c in store.bylines()] == ["时绍祥"]
    name = store.manifest.files["bylines"]
    assert name in store.manifest.checksums  # verified like the other files
    (index / name).write_text("{}\n", encoding="utf-8")
    with pytest.raises(IndexStateError, match="checksum"):
        FaissStore.load(index)


def test_an_index_built_before_bylines_loads_and_the_next_build_adds_them(
    tmp_path: Path,
) -> None:
    docs, index = _build(tmp_path)
    manifest = json.loads((index / MANIFEST).read_text(encoding="utf-8"))
    name = manifest["files"].pop("bylines")
    manifest["checksums"].pop(name)
    manifest["corpus_hash"] = "built by pipeline 5"
    (index / name).unlink()
    (index / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")

    old = FaissStore.load(index)
    assert old.bylines() == [] and old.size > 0
    question = "和平区那篇专访稿的署名作者是谁？"
    assert Engine(old, FakeEmbedder()).ask(question).no_answer

    report = indexer.build(docs, index, FakeEmbedder(), progress=False)
    assert report.embedded == 0  # the passages are the same: only the bylines are new
    answer = Engine(FaissStore.load(index), FakeEmbedder()).ask(question)
    assert answer.answer_span is not None and answer.answer_span.text == "时绍祥"
