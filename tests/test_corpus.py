"""Loading, attribution and chunking on the real corpus, and bad documents."""

from __future__ import annotations

import shutil
from itertools import pairwise
from pathlib import Path

import pytest

from qabot.chunking import MAX_CHARS
from qabot.corpus import load_corpus, parse_document, read_text
from qabot.districts import Gazetteer
from qabot.errors import CorpusError
from qabot.sentences import split_sentences

DOCS = Path(__file__).resolve().parent.parent / "docs_src"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(DOCS)


def test_every_chunk_is_attributed(corpus) -> None:
    chunks = corpus.chunks()
    assert len(chunks) > 100
    for chunk in chunks:
        assert chunk.district and chunk.city and chunk.speaker and chunk.date and chunk.title, (
            chunk.id
        )
        assert chunk.paragraph >= 1 and chunk.line >= chunk.paragraph
    assert {c.district for c in chunks} == {"北辰区", "和平区", "宝坻区", "东丽区", "金海湖新区"}


def test_chunk_ids_are_stable_and_unique(corpus) -> None:
    first = [c.id for c in corpus.chunks()]
    again = [c.id for c in load_corpus(DOCS).chunks()]
    assert first == again
    assert len(set(first)) == len(first)
    assert "beichen-2020#p9" in first


def test_long_paragraphs_are_split_at_sentences_with_overlap(corpus) -> None:
    chunks = corpus.chunks()
    assert max(len(c.text) for c in chunks) <= MAX_CHARS
    parts = [c for c in chunks if c.id.startswith("jinhaihu-2017#p23.")]  # 1,370 characters
    assert len(parts) >= 5
    for part in parts:
        assert part.text[-1] in "。！？；;!?”", part.text[-10:]
    paragraph = next(d for d in corpus.documents if d.doc_id == "jinhaihu-2017").paragraphs[22]
    joined = "".join(p.text for p in parts)
    assert all(sentence in joined for sentence in split_sentences(paragraph.text))
    overlapping = sum(1 for a, b in pairwise(parts) if b.text.split("。")[0] + "。" in a.text)
    assert overlapping >= len(parts) // 2


def test_interview_question_gives_context_to_its_answers(corpus) -> None:
    by_id = {c.id: c for c in corpus.chunks()}
    wheat = by_id["beichen-2020#p9"]
    assert "种植春小麦6550亩" in wheat.text
    assert "涉农区" in wheat.context  # the reporter's question about agriculture
    assert wheat.speaker == "冯卫华" and wheat.role == "区委书记" and wheat.date == "2020"
    assert not any(c.text.startswith("记者") for c in by_id.values())


def test_section_markers_are_kept_as_context(corpus) -> None:
    chunks = [c for c in corpus.chunks() if c.doc_id == "jinhaihu-2017"]
    party = next(c for c in chunks if c.text.startswith("(一)着力增强"))
    assert "以“大党建”为第一统领" in party.context
    split = next(c for c in corpus.chunks() if c.id == "beichen-2020#p4.2")
    assert "一是用心落实京津冀协同发展战略。" in split.context


def test_a_speakers_opening_sentence_is_the_topic_of_the_turn(corpus) -> None:
    chunks = {c.id: c for c in corpus.chunks() if c.doc_id == "dongli-2019"}
    assert chunks["dongli-2019#p18.1"].context.startswith("在新一轮发展中")  # 谢元 on ecology
    assert chunks["dongli-2019#p2"].context.startswith("推动“战区制、主官上、权下放”")
    assert chunks["dongli-2019#p1"].context == ""


def test_each_paragraph_belongs_to_the_nearest_preceding_speaker(corpus) -> None:
    chunks = [c for c in corpus.chunks() if c.doc_id == "dongli-2019"]
    speakers = {c.paragraph: (c.speaker, c.role) for c in chunks}
    assert speakers[1] == ("夏新", "区委书记")
    assert speakers[5] == ("夏新", "区委书记")
    assert speakers[6] == ("谢元", "区长")
    assert speakers[26] == ("谢元", "区长")


def test_metadata_is_detected_without_a_catalog() -> None:
    gazetteer = Gazetteer()
    beichen = parse_document(DOCS / "beichen-2020-interview.txt", gazetteer)
    assert (beichen.district, beichen.city, beichen.date, beichen.kind) == (
        "北辰区",
        "天津市",
        "2020",
        "interview",
    )
    assert [s.name for s in beichen.speakers] == ["冯卫华"]
    dongli = parse_document(DOCS / "dongli-interview.txt", gazetteer)
    assert [(s.name, s.role) for s in dongli.speakers] == [("夏新", "书记"), ("谢元", "区长")]
    jinhaihu = parse_document(DOCS / "jinhaihu-2017-article.txt", gazetteer)
    assert jinhaihu.district == "金海湖新区" and jinhaihu.date == "2017-08-15"
    assert jinhaihu.speakers[0].name == "喻祖常" and "管委会主任" in jinhaihu.speakers[0].role
    assert jinhaihu.title == "工业推动 城市带动 凝心聚力打赢“113攻坚战”"


def test_catalog_overrides_detection(corpus) -> None:
    dongli = next(d for d in corpus.documents if d.source == "dongli-interview.txt")
    assert dongli.doc_id == "dongli-2019" and dongli.date == "2019"
    assert dongli.speakers[0].role == "区委书记"


def test_a_new_district_is_detected_from_the_text(tmp_path: Path) -> None:
    (tmp_path / "chaoyang.txt").write_text(
        "北京市朝阳区召开会议。\n朝阳区将加快建设国际消费中心城市，推进商圈改造提升。\n",
        encoding="utf-8",
    )
    corpus = load_corpus(tmp_path)
    assert corpus.documents[0].district == "朝阳区"


def test_bad_documents_are_reported_and_the_rest_is_indexed(tmp_path: Path) -> None:
    shutil.copy(DOCS / "heping-2019-interview.txt", tmp_path)
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "chrome.txt").write_text("暂无评论!\n我要反馈\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert [d.source for d in corpus.documents] == ["heping-2019-interview.txt"]
    problems = "\n".join(corpus.problems)
    assert "binary.txt: not UTF-8" in problems
    assert "empty.txt: no text to index" in problems
    assert "chrome.txt: no text to index" in problems


def test_gb18030_documents_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes(
        (DOCS / "heping-2019-interview.txt").read_text(encoding="utf-8").encode("gb18030")
    )
    text, encoding = read_text(path)
    assert encoding == "gb18030" and "陈绍旺" in text


def test_no_readable_document_is_a_corpus_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"\xff\x00\xfe" * 100)
    with pytest.raises(CorpusError, match="no readable documents"):
        load_corpus(tmp_path)
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "missing")


def test_a_broken_catalog_is_a_corpus_error(tmp_path: Path) -> None:
    shutil.copy(DOCS / "heping-2019-interview.txt", tmp_path)
    (tmp_path / "catalog.toml").write_text("[documents\nbroken", encoding="utf-8")
    with pytest.raises(CorpusError, match="catalog"):
        load_corpus(tmp_path)


def test_html_and_markdown_documents(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        "<html><head><style>p{}</style><script>var x;</script></head><body><nav>首页 > 新闻</nav>"
        "<h1>东丽区推进垃圾分类</h1><p>东丽区将全面推行生活垃圾分类，建设分类收运体系。</p>"
        "<p>发布日期:2020-05-01</p></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "note.md").write_text(
        "# 宝坻区简报\n\n- 宝坻区将新建5G基站500个，推进智慧城市建设。\n", encoding="utf-8"
    )
    corpus = load_corpus(tmp_path)
    texts = {d.source: [p.text for p in d.body] for d in corpus.documents}
    assert texts["page.html"] == ["东丽区将全面推行生活垃圾分类，建设分类收运体系。"]
    assert texts["note.md"] == ["宝坻区将新建5G基站500个，推进智慧城市建设。"]
    page = next(d for d in corpus.documents if d.source == "page.html")
    assert (
        page.title == "东丽区推进垃圾分类"
        and page.date == "2020-05-01"
        and page.district == "东丽区"
    )


def test_a_turn_may_give_the_role_before_the_name() -> None:
    from qabot.attribution import Speaker, detect_speakers, parse_turn

    lines = ["区长王建平介绍：今年新建学校10所。", "夏新书记介绍:推动基层治理。"]
    speakers = detect_speakers(lines)
    assert Speaker("王建平", "区长") in speakers and Speaker("夏新", "书记") in speakers
    turn = parse_turn(lines[0], speakers)
    assert turn is not None and turn.speaker == Speaker("王建平", "区长")
