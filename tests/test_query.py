"""The :class:`~qabot.query.Query`: each decision about a question taken once (fast layer,
on the tiny engine)."""

from __future__ import annotations

import pytest

from qabot.districts import Gazetteer
from qabot.engine import Engine
from qabot.query import detect_language, quoted_phrases

COMPARE = "北辰区和东丽区的生态环境建设有什么不同？"


def test_the_question_names_the_districts_searched(tiny: Engine) -> None:
    query = tiny.query(COMPARE)
    assert query.districts == query.named == ["北辰区", "东丽区"]
    assert query.comparison and query.compared == ["北辰区", "东丽区"]


def test_an_explicit_district_wins_over_the_named_ones(tiny: Engine) -> None:
    query = tiny.query(COMPARE, "北辰")
    assert query.districts == ["北辰区"] and query.named == ["北辰区", "东丽区"]
    assert query.compared == []  # one district is searched: nothing to interleave


def test_an_explicit_district_comparison_speaks_only_of_the_district_searched(
    tiny: Engine,
) -> None:
    """The bug of issue 18: 东丽区 was never searched, yet got a 「文档未提及」 line."""
    answer = tiny.ask(COMPARE, district="北辰区")
    assert answer.districts == ["北辰区"]
    assert "东丽区" not in answer.answer
    assert all(p.chunk.district == "北辰区" for p in answer.passages)


def test_weights_terms_and_quotes_are_computed_once(tiny: Engine) -> None:
    query = tiny.query("北辰区“垃圾分类”做得怎么样")
    assert query.quoted == quoted_phrases(query.query) == ["垃圾分类"]
    # the compound jieba also split counts once, by its parts
    assert "垃圾分类" in query.focus and "垃圾分类" not in query.weights
    assert query.weights["垃圾"] == tiny.store.idf("垃圾")
    assert query.terms == tiny.tokenizer.tokenize(query.search)


def test_a_quote_the_asker_could_not_finish_is_the_part_written() -> None:
    """那个“美丽……”建设叫啥: passages holding 美丽 go first, none holds “美丽……” (batch ag)."""
    assert quoted_phrases("推进的那个“美丽……”建设叫啥名来着") == ["美丽"]
    assert quoted_phrases("“…和平”和“美丽...乡村”") == ["和平", "美丽", "乡村"]
    assert quoted_phrases("“美……”") == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("北辰区种了多少亩春小麦？", "zh"),
        ("How many mu of spring wheat did Beichen plant?", "en"),
        ("北辰区的GDP是多少", "zh"),
        ("What is 小巷管家?", "en"),
    ],
)
def test_language(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("text", "districts"),
    [
        ("How many mu of spring wheat did Beichen plant?", ["北辰区"]),
        ("What is Jinhaihu New District doing for tourism?", ["金海湖新区"]),
        ("heping district and DONGLI", ["和平区", "东丽区"]),
        ("abeichen or beichens", []),  # inside another word: not a district
    ],
)
def test_districts_are_recognised_by_their_pinyin(text: str, districts: list[str]) -> None:
    assert Gazetteer().find(text) == districts


def test_a_district_filter_may_be_written_in_pinyin() -> None:
    assert Gazetteer().resolve("Beichen District") == "北辰区"
    assert Gazetteer().resolve("jinhaihu new district") == "金海湖新区"
