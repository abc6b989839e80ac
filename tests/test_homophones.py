"""Misspelt quoted terms and words are put right by their sound (qabot.homophones): a phone
user's wrong character of the right pinyin, never a guess between two terms or a real word."""

from __future__ import annotations

import pytest

from qabot.engine import Engine
from qabot.homophones import QuotedTerms, SoundAlikes
from qabot.lexical import Tokenizer

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


WORDS = ("健康", "城市", "负责制", "负责", "诸多", "灌区", "人力", "公式", "公示", "试点")
WORD_CORPUS = "推进健康城市试点。落实首问负责制。诸多灌区。人力资源。公式与公示。七星灌区。"


@pytest.fixture(scope="module")
def sound_alikes() -> SoundAlikes:
    tokenizer = Tokenizer()
    return SoundAlikes(
        lambda: WORDS, WORD_CORPUS, lambda text: tokenizer.segment(text, new_words=False)
    )


@pytest.mark.parametrize(
    ("question", "corrected"),
    [
        ("和平区在搞哪些剑康城市方面的试点？", "和平区在搞哪些健康城市方面的试点？"),
        ("和平区落实首问负则制没有", "和平区落实首问负责制没有"),
        ("东丽农民上楼以后人均住多大", "东丽农民上楼以后人均住多大"),  # 住多 is no 诸多
        ("那1万人里大学生有多少", "那1万人里大学生有多少"),  # 人里 is no 人力
        ("七星关区怎么消除空壳村", "七星关区怎么消除空壳村"),  # a place's name: no 灌区
        ("攻势是什么", "攻势是什么"),  # a dictionary word, and two corpus words sound so
        ("健康城市是什么", "健康城市是什么"),  # written right: unchanged
    ],
)
def test_a_misspelt_word_is_replaced_by_the_one_corpus_word_of_its_sound(
    sound_alikes: SoundAlikes, question: str, corrected: str
) -> None:
    assert sound_alikes.correct(question) == corrected


def test_the_engine_reads_a_misspelt_word_as_the_corpus_one(shipped_light: Engine) -> None:
    analysis = shipped_light.analyzer.analyse("和瓶区在搞哪些剑康城市方面的试点？")
    assert "健康" in analysis.query and "剑康" not in analysis.query
