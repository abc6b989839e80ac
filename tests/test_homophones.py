"""Misspelt quoted terms are put right by their sound (qabot.homophones): a phone user's
wrong character of the right pinyin, never a guess between two terms or a real word."""

from __future__ import annotations

import pytest

from qabot.homophones import QuotedTerms

CORPUS = (
    "构建起“一统四化”城市基层治理体系。开展“十项文明”创建。奋力推进“清廉金海湖”建设。"
    "实施“四个一批”，又有‘四个一辈’和“四个一备”。打造“五城同创”。推进‘城市双修’，城市双休日照常。"
)


@pytest.fixture(scope="module")
def terms() -> QuotedTerms:
    return QuotedTerms(CORPUS)


@pytest.mark.parametrize(
    ("question", "corrected"),
    [
        ("东丽区的一统四话是啥", "东丽区的一统四化是啥"),
        ("北辰区的十项问明创建是啥", "北辰区的十项文明创建是啥"),
        ("青莲金海湖建设是咋回事", "清廉金海湖建设是咋回事"),
        ("五成同窗和十项问明", "五城同创和十项文明"),  # two in one question
        ("一统四化是什么", "一统四化是什么"),  # written right: unchanged
        ("四个一批是什么", "四个一批是什么"),
        ("四个一杯是什么", "四个一杯是什么"),  # two terms share the sound: no guess
        ("城市双休怎么安排", "城市双休怎么安排"),  # …nor is a corpus word (双休) replaced
        ("yitongsihua 是什么", "yitongsihua 是什么"),  # only Chinese characters
    ],
)
def test_a_misspelt_quoted_term_is_replaced_by_the_corpus_one(
    terms: QuotedTerms, question: str, corrected: str
) -> None:
    assert terms.correct(question) == corrected


def test_no_quoted_terms_no_change() -> None:
    assert QuotedTerms("没有引号的文字。").correct("一统四话") == "一统四话"
