"""A paragraph asked for by its place (qabot.paragraphs): 第9段说了什么, 报告的结尾, 最后一段 —
the reader follows a citation, or asks for a document's opening or its end."""

from __future__ import annotations

import pytest

from qabot.engine import Engine, Gathered
from qabot.paragraphs import Place, asked


@pytest.mark.parametrize(
    ("question", "place"),
    [
        ("北辰区那篇专访第9段说了什么？", Place(9)),
        ("第 12 段讲的啥", Place(12)),
        ("北辰区第九段说了什么", Place(9)),
        ("第二十三段呢", Place(23)),
        ("第十段", Place(10)),
        ("第十二自然段", Place(12)),
        ("宝坻区政府工作报告的结尾说了什么？", Place()),
        ("和平区这篇采访最后一段说的是哪一年的打算？", Place()),
        ("那篇专访开头把2020年定位成哪一年？", Place(first=True)),
        ("文章开篇讲了什么", Place(first=True)),
        ("第一段讲了什么", Place(first=True)),  # the first passage, whatever its number
        ("What does paragraph 9 of the Beichen interview say?", Place(9)),
        ("what's in the 12th paragraph", Place(12)),
        ("Summarise the third paragraph of the Heping interview", Place(3)),
        ("What does the first paragraph say?", Place(first=True)),
        ("How does the Baodi work report end?", Place()),
        ("What is said at the end of the Baodi government work report?", Place()),
        ("the last paragraph of the Heping interview", Place()),
        ("What is at the beginning of the Beichen interview?", Place(first=True)),
        # not a place in a document
        ("When will the paragraph about schools be out?", None),
        ("What did Heping do at the end of 2018?", None),
        ("记者第一个问题开头提到了哪个会议？", None),
        ("最后一段路什么时候修好", None),
        ("北辰区第一批项目有多少个", None),
        ("第零段", None),
        ("第十二三段", None),
    ],
)
def test_the_place_a_question_asks_for(question: str, place: Place | None) -> None:
    assert asked(question) == place


@pytest.mark.parametrize(
    ("question", "doc", "where"),
    [
        ("北辰区那篇专访第9段说了什么？", "beichen", 9),
        ("北辰区第九段讲的啥", "beichen", 9),
        ("宝坻区政府工作报告的结尾说了什么？", "baodi", "last"),
        ("和平区这篇采访最后一段说的是哪一年的打算？", "heping", "last"),
        ("金海湖新区那篇文章开头说了什么？", "jinhaihu", "first"),
        ("北辰区那篇专访第一段说了什么？", "beichen", "first"),
        ("What does paragraph 9 of the Beichen interview say?", "beichen", 9),
        ("How does the Baodi work report end?", "baodi", "last"),
    ],
)
def test_the_answer_quotes_the_paragraph_at_that_place(
    shipped_light: Engine, question: str, doc: str, where: int | str
) -> None:
    answer = shipped_light.ask(question)
    own = [c for c in shipped_light.by_district[answer.districts[0]] if c.doc_id.startswith(doc)]
    numbers = sorted({c.paragraph for c in own})
    expected = {"first": numbers[0], "last": numbers[-1]}.get(str(where), where)
    assert not answer.no_answer and answer.passages
    assert {p.chunk.paragraph for p in answer.passages} == {expected}
    assert all(p.chunk.doc_id.startswith(doc) for p in answer.passages)
    assert {line.passage for line in answer.lines} == {1}  # quoted from that paragraph


def test_a_place_without_one_district_is_an_ordinary_question(shipped_light: Engine) -> None:
    for question in ("第9段说了什么？", "北辰区第9段和和平区第9段"):
        gathered = shipped_light.gather(question)
        assert isinstance(gathered, Gathered) and gathered.placed is None


def test_a_paragraph_past_the_documents_end_is_refused(shipped_light: Engine) -> None:
    """北辰区's interview has no 99th paragraph: refused, never another paragraph's text."""
    gathered = shipped_light.gather("北辰区那篇专访第99段说了什么？")
    assert isinstance(gathered, Gathered) and gathered.placed is False
    answer = shipped_light.decide(gathered)
    assert answer.no_answer and not answer.lines and answer.notice
