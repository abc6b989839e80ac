"""Questions about a document that only its catalog entry answers — its title, its kind, who
gave a report — are answered from the document's card, cited like any passage."""

from __future__ import annotations

import pytest

from qabot.cards import cards, kind_name
from qabot.engine import Engine
from qabot.render import citation
from qabot.types import Chunk

from conftest import answered_by_whole_line


def _chunk(doc_id: str, speaker: str, role: str, **fields: str) -> Chunk:
    base = dict(
        id=f"{doc_id}#p1", doc_id=doc_id, paragraph=1, part=0, text="正文。", context="",
        district="北辰区", city="天津市", speaker=speaker, role=role, date="2020",
        title="专访", kind="interview", source=f"{doc_id}.txt", line=1,
    )  # fmt: skip
    return Chunk(**(base | fields))  # type: ignore[arg-type]


def test_a_card_says_what_the_catalog_says_of_its_document() -> None:
    made = cards(
        [
            _chunk("a", "夏新", "区委书记"),
            _chunk("a", "谢元", "区长"),
            _chunk("a", "夏新", "区委书记"),
            _chunk("b", "", "", date="2017-08-15", kind="work report", title="", city=""),
        ]
    )
    assert [c.id for c in made] == ["a#card", "b#card"]
    assert (
        made[0].text == "《专访》，北辰区（天津市），访谈，夏新（区委书记）、谢元（区长），2020年。"
    )
    assert made[1].text == "北辰区，工作报告，2017-08-15。"
    assert (made[0].paragraph, made[0].district, made[0].speaker) == (0, "北辰区", "夏新")
    assert kind_name("Work Report") == "工作报告" and kind_name("memo") == "memo"


BEICHEN = "北辰区委书记冯卫华专访：全面建成高质量小康社会"
DONGLI = "东丽区书记夏新、区长谢元谈基层治理、科技创新与城市化建设"


@pytest.mark.parametrize(
    ("question", "value", "cited"),
    [
        ("北辰区那篇专访的标题是什么？", BEICHEN, "beichen-2020#card"),
        ("东丽区访谈的题目叫什么", DONGLI, "dongli-2019#card"),
        ("What is the Dongli interview called?", DONGLI, "dongli-2019#card"),
        # what it is about, which its title says (read in batch i)
        ("东丽这篇访谈主要谈了哪几方面的话题？", DONGLI, "dongli-2019#card"),
        ("What topics does the Dongli interview cover?", DONGLI, "dongli-2019#card"),
        ("宝坻区这个文件是工作报告还是访谈？", "工作报告", "baodi-2021#card"),
        ("和平区陈绍旺那篇是讲话稿还是记者采访？", "访谈", "heping-2019#card"),
        ("What kind of document is the Beichen text?", "访谈", "beichen-2020#card"),
        # in the catalog only: the text never names who gave the report
        ("宝坻区的政府工作报告是谁作的？", "宝坻区人民政府", "baodi-2021#card"),
        ("宝坻区这份报告是哪个单位发布的", "宝坻区人民政府", "baodi-2021#card"),
    ],
)  # fmt: skip
def test_what_only_the_catalog_says_is_answered_from_the_card(
    shipped_light: Engine, question: str, value: str, cited: str
) -> None:
    top = answered_by_whole_line(shipped_light, question, cited, value)
    assert shipped_light.paragraph(cited) == (top, top.text)  # a cited card opens


def test_what_the_text_says_is_cited_from_the_text(shipped_light: Engine) -> None:
    """The card is the last resort: 和平区's leader is named in its text."""
    answer = shipped_light.ask("和平区书记叫什么")
    assert not answer.no_answer and answer.answer_span is not None
    assert answer.answer_span.text == "陈绍旺" and not answer.passages[0].chunk.id.endswith("#card")


def test_a_cited_card_is_shown_as_the_catalog_entry(shipped_light: Engine) -> None:
    answer = shipped_light.ask("北辰区那篇专访的标题是什么？")
    assert citation(answer.passages[0]).endswith("· 文档目录")
    assert citation(answer.passages[0], "en").endswith("· catalog entry")
