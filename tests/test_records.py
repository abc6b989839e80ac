"""Records kept beside the passages, never searched (qabot.records): the interviewer's
questions (记者:…), a photo's caption and the page around the text, the answers to what the
interviewer asked, what a photo shows and who provided it, and what the page says."""

from __future__ import annotations

import pytest

from qabot.attribution import INTERVIEWER
from qabot.bylines import is_caption, page_kind
from qabot.corpus import load_corpus
from qabot.engine import Engine
from qabot.metadata import asked
from qabot.types import Answer

from conftest import CAPTION, DOCS, PAGE_LINES, TURNS


def quoted_whole(engine: Engine, question: str, cited: str) -> Answer:
    """Asks ``question``: the answer line is all of passage 1, the record ``cited``, copied."""
    answer = engine.ask(question)
    top = answer.passages[0].chunk
    assert not answer.no_answer and top.id == cited, question
    assert answer.answer == f"{top.text}[1]"
    return answer


def test_the_interviewers_questions_are_kept_out_of_search() -> None:
    kept = [c for c in load_corpus(DOCS).bylines() if c.speaker == INTERVIEWER]
    assert [c.id for c in kept] == TURNS
    assert all(c.text.startswith("记者:") and c.text.endswith(("?", "？", "?。")) for c in kept)


@pytest.mark.parametrize(
    ("question", "cited"),
    [
        ("北辰区那篇专访，记者的第二个问题问的是什么？", "beichen-2020#p7"),
        ("和平区访谈里记者最后一个问题问了啥", "heping-2019#p23"),
        ("和平区专访中记者问到民生时是怎么说的？", "heping-2019#p16"),  # by its words
        ("北辰区专访里，记者提到的习近平总书记的要求是什么？", "beichen-2020#p13"),
        ("记者采访北辰时说，要建成高水平的小康，底子得靠什么来打？", "beichen-2020#p2"),  # ag
        ("What was the reporter's first question in the Heping interview?", "heping-2019#p4"),
        (
            "In the Beichen interview, what did the journalist ask in the last question?",
            "beichen-2020#p19",
        ),
    ],
)
def test_what_the_interviewer_asked_is_quoted_from_the_question_itself(
    shipped_light: Engine, question: str, cited: str
) -> None:
    """The whole turn is the answer line, cited, no value marked (what was asked answers)."""
    assert quoted_whole(shipped_light, question, cited).answer_span is None


def test_what_the_interviewee_answered_is_no_question_about_the_interviewer(
    shipped_light: Engine,
) -> None:
    """记者问…他怎么回答的 asks the answer; a district without an interviewer (东丽区: its
    speakers take turns) is searched as any question."""
    own, lines = shipped_light.by_district, shipped_light.bylines
    for question, district in (
        ("记者问到营商环境时，陈绍旺是怎么回答的？", "和平区"),
        ("东丽区访谈里记者问了什么？", "东丽区"),
        ("北辰区冯卫华接受记者采访时说了什么？", "北辰区"),
    ):
        found = asked(question, district, own[district], (), lines.get(district, []))
        assert found.fact is None or found.fact.chunk.speaker != INTERVIEWER, question


def test_a_photo_caption_is_kept_out_of_search() -> None:
    kept = [c for c in load_corpus(DOCS).bylines() if is_caption(c.text)]
    assert [c.id for c in kept] == [CAPTION] and kept[0].speaker == ""
    assert kept[0].text.endswith("(供图/毕节金海湖新区党政办)")


@pytest.mark.parametrize(
    ("question", "credit"),
    [
        ("金海湖新区那篇文章的照片是哪个单位提供的？", "毕节金海湖新区党政办"),
        ("Who provided the picture in the Jinhaihu article?", "毕节金海湖新区党政办"),
        ("金海湖那篇文章配的图上，作者在干什么？", None),  # what it shows: the caption
    ],
)
def test_a_photo_question_is_answered_from_the_caption(
    shipped_light: Engine, question: str, credit: str | None
) -> None:
    """The caption is the answer line, cited; who provided the photo marks the credit."""
    answer = quoted_whole(shipped_light, question, CAPTION)
    span = answer.answer_span
    assert (span.text if span else None) == credit
    if span is not None:
        assert answer.passages[0].chunk.text[span.start : span.end] == credit


def test_a_district_without_a_caption_searches_a_photo_question(shipped_light: Engine) -> None:
    own, lines = shipped_light.by_district["和平区"], shipped_light.bylines.get("和平区", [])
    assert asked("和平区有没有老照片展览？", "和平区", own, (), lines).fact is None


def test_the_page_around_the_text_is_kept_by_kind() -> None:
    """The breadcrumb, a title line naming the 栏目, the summary, the comment box and the
    disclaimer; not the title repeated alone, nor a byline's page meta."""
    kept = {c.id: page_kind(c) for c in load_corpus(DOCS).bylines() if page_kind(c)}
    assert sorted(kept) == sorted(PAGE_LINES)
    assert kept["baodi-2021#p1"] == "title" and kept["jinhaihu-2017#p1"] == "breadcrumb"
    assert kept["baodi-2021#p4"] == "summary" and kept["baodi-2021#p33"] == "disclaimer"


@pytest.mark.parametrize(
    ("question", "cited"),
    [
        ("金海湖新区那篇文章放在网站哪个栏目里？", "jinhaihu-2017#p1"),
        ("宝坻区那份报告是哪个栏目的？", "baodi-2021#p1"),  # the title line that names it
        ("金海湖那篇文章底下有没有人评论？", "jinhaihu-2017#p33"),
        ("金海湖那篇文章的评论最多可以写几个字？", "jinhaihu-2017#p37"),  # the one with a number
        ("宝坻那个网页上的内容是哪来的？有版权问题吗？", "baodi-2021#p33"),
        ("What does the copyright disclaimer on the Baodi page say?", "baodi-2021#p33"),
        ("宝坻那篇报告的摘要是怎么写的？", "baodi-2021#p4"),
    ],
)
def test_a_question_about_the_page_is_answered_from_its_line(
    shipped_light: Engine, question: str, cited: str
) -> None:
    quoted_whole(shipped_light, question, cited)


def test_everyday_words_of_a_page_question_are_searched_as_before(shipped_light: Engine) -> None:
    """反馈 of the people's problems, a district without page lines: no record answers."""
    for question, district in (
        ("宝坻区企业反馈的问题怎么解决？", "宝坻区"),
        ("和平区政务服务网站能办哪些事？", "和平区"),
        ("北辰区那篇专访有人评论吗？", "北辰区"),
    ):
        own, lines = shipped_light.by_district[district], shipped_light.bylines.get(district, [])
        found = asked(question, district, own, (), lines).fact
        assert found is None or not page_kind(found.chunk), question
