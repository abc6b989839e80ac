"""The learned answer-line choice: its features, its fit, and its refit per held-out fold."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from qabot.answer import line_choices
from qabot.candidates import FEATURES, asked_about, enumerates
from qabot.engine import Gathered
from qabot.evaluation.crossval import held_out
from qabot.evaluation.questions import Question
from qabot.linerank import LINE_RANKER, LineRanker, fit, line_hit
from qabot.refusal import FALLBACK_RULE

from conftest import TINY_CHUNKS, make_chunk, tiny_engine
from judged import JudgedStub

VALUE = FEATURES.index("value")
FUSED = FEATURES.index("fused")


def _groups(seed: int, count: int = 200) -> list[tuple[np.ndarray, np.ndarray]]:
    """Random candidates whose evidence sentence is the one with a value and the best fused
    score among those with a value: what a ranker must learn to weigh together."""
    rng = np.random.default_rng(seed)
    groups = []
    for _ in range(count):
        x = rng.random((8, len(FEATURES)))
        x[:, VALUE] = rng.random(8) < 0.4
        x[0, VALUE] = 1.0
        score = x[:, VALUE] * 10 + x[:, FUSED]
        groups.append((x, score == score.max()))
    return groups


def test_fit_learns_which_features_tell_the_evidence_sentence() -> None:
    ranker = fit(_groups(1))
    assert ranker.weights[VALUE] > 0 and ranker.weights[FUSED] > 0
    assert line_hit(ranker, _groups(2)) >= 0.85  # on groups it never saw
    assert line_hit(LineRanker((0.0,) * len(FEATURES)), _groups(2)) < 0.5


def test_fit_skips_questions_without_an_evidence_sentence() -> None:
    groups = _groups(3, 50)
    empty = [(x, np.zeros(len(x), bool)) for x, _ in _groups(4, 50)]
    assert fit(groups + empty) == fit(groups)
    assert fit(empty).weights == (0.0,) * len(FEATURES)


def test_line_choices_are_the_sentences_of_the_top_passages_with_their_features() -> None:
    chunks = [
        make_chunk("baodi", 1, "宝坻区加快5G基站建设。推动数字经济发展。", "宝坻区"),
        make_chunk("baodi", 2, "全年建成5G通信基站400座,实施智慧路灯建设工程。", "宝坻区"),
        *(make_chunk(*row) for row in TINY_CHUNKS),
    ]
    found = tiny_engine(chunks).gather("宝坻区5G基站建几座？", k=2)
    assert isinstance(found, Gathered)
    sentences, features = line_choices(found.found[: found.k], found.query)
    assert features.shape == (len(sentences), len(FEATURES)) == (2, len(FEATURES))
    rows = dict(zip(sentences, features, strict=True))
    assert "宝坻区加快5G基站建设。" not in rows  # restates the question: never the answer
    with_value = rows["全年建成5G通信基站400座,实施智慧路灯建设工程。"]
    other = rows["推动数字经济发展。"]
    assert with_value[VALUE] == 1.0 and other[VALUE] == 0.0
    assert other[FEATURES.index("focus_share")] == 0.0
    # the closest in meaning gets 0, the other its (negative) distance from it
    closeness = sorted(f[FEATURES.index("closeness")] for f in features)
    assert closeness[0] < 0 and closeness[1] == 0
    # … and its place by that cosine: 1 for the closest, 1/2 for the next
    ranks = sorted(f[FEATURES.index("closeness_rank")] for f in features)
    assert ranks == [0.5, 1.0]
    assert max(f[FEATURES.index("focus_of_best")] for f in features) == 1.0


def test_a_what_question_marks_the_sentences_that_quote_a_name() -> None:
    """和平区要做强什么品牌: the sentence quoting “金融和平” names one; one that quotes only what
    the question quotes, or a how-many question, does not count (batch ak: quoted names were
    answered from the passage ranked first)."""
    chunks = [
        make_chunk("heping", 1, "和平区发展金融产业。做强做优“金融和平”品牌。", "和平区"),
        *(make_chunk(*row) for row in TINY_CHUNKS),
    ]
    engine = tiny_engine(chunks)
    names = FEATURES.index("names")
    for question, named in (("和平区要做强什么品牌？", 1.0), ("“金融和平”是什么？", 0.0)):
        found = engine.gather(question, k=1)
        assert isinstance(found, Gathered)
        sentences, features = line_choices(found.found[: found.k], found.query)
        rows = dict(zip(sentences, features[:, names], strict=True))
        assert rows.get("做强做优“金融和平”品牌。") == named, question


def test_an_english_questions_closeness_and_focus_are_features_of_their_own() -> None:
    """Its rendered words are a guess: its closeness and focus share are copied into the
    English features, a Chinese question's are 0 there (weighed apart, fitted per fold)."""
    chunks = [
        make_chunk("baodi", 1, "全年建成5G通信基站400座。推动数字经济发展。", "宝坻区"),
        *(make_chunk(*row) for row in TINY_CHUNKS),
    ]
    engine = tiny_engine(chunks)
    pairs = {"closeness": "english_closeness", "focus_share": "english_focus"}
    for question, english in (
        ("How many 5G base stations will Baodi build?", True),
        ("宝坻区5G基站建几座？", False),
    ):
        found = engine.gather(question, k=1)
        assert isinstance(found, Gathered)
        _, features = line_choices(found.found[: found.k], found.query)
        for own, copy in pairs.items():
            shown = features[:, FEATURES.index(own)] * english
            assert np.array_equal(features[:, FEATURES.index(copy)], shown), question
        assert features[:, FEATURES.index("focus_share")].any(), question


def test_what_kind_marks_the_sentence_writing_the_verb_a_modifier_and_the_thing() -> None:
    """打造一个啥样的政府: 努力打造人民满意政府 writes the verb, a modifier and the thing (1);
    法治政府 a modifier only (0.5); an English question has no kind asked (batch ag's 政付,
    产业体细 were answered from a sentence holding more of the other focus words)."""
    lines = ["全面加强法治政府建设。", "努力打造人民满意政府。", "政府要推动工作。"]
    chunks = [make_chunk("baodi", 1, "".join(lines), "宝坻区")]
    engine = tiny_engine([*chunks, *(make_chunk(*row) for row in TINY_CHUNKS)])
    kind = FEATURES.index("kind")
    for question, expected in (
        ("宝坻区要打造一个啥样的政府？", [0.5, 1.0, 0.0]),
        ("宝坻区的政府在推动什么？", [0.0, 0.0, 0.0]),
        ("What kind of government will Baodi build?", [0.0, 0.0, 0.0]),
    ):
        found = engine.gather(question, k=1)
        assert isinstance(found, Gathered)
        sentences, features = line_choices(found.found[: found.k], found.query)
        rows = dict(zip(sentences, features[:, kind], strict=True))
        assert [rows.get(line) for line in lines] == expected, question


class _Lines:
    """A hundred questions whose line a ranker gets right when it weighs the value."""

    def __init__(self) -> None:
        self.outcomes = [
            JudgedStub(Question(id=f"q{i}", question="问", answers=("甲",), districts=(), type="t"))
            for i in range(100)
        ]
        self.groups = _groups(5, 100)
        self.rankers: list[LineRanker] = []

    def decide(self, ranker: LineRanker) -> list[JudgedStub]:
        self.rankers.append(ranker)
        return [
            replace(o, draft="hit" if y[ranker.choose(x)] else "miss")
            for o, (x, y) in zip(self.outcomes, self.groups, strict=True)
        ]


def test_held_out_refits_the_line_ranker_without_each_fold() -> None:
    lines = _Lines()
    held = held_out(lines.outcomes, 5, 5, FALLBACK_RULE, lines, LINE_RANKER)
    assert len(lines.rankers) == 5 and len(set(lines.rankers)) == 5  # one per fold
    ranker = held["line_ranker"]
    assert ranker["folds"] == [list(r.weights) for r in lines.rankers]
    assert ranker["features"] == list(FEATURES)
    assert ranker["fitted_on_all"] == list(fit(lines.groups).weights)
    assert ranker["shipped"] == list(LINE_RANKER.weights)
    assert held["answer_hit"] >= 0.8  # each question answered by a ranker that never saw it


def test_the_lexical_baseline_chooses_its_line_without_the_embedder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = tiny_engine()

    def refuse(texts: object) -> None:
        raise AssertionError("the lexical mode called the embedder")

    monkeypatch.setattr(engine.embedder, "embed_queries", refuse)
    monkeypatch.setattr(engine.embedder, "embed_passages", refuse)
    answer = engine.ask("北辰区种了多少亩春小麦？", mode="lexical")
    assert answer.passages and answer.answer_span is not None


def test_a_sentence_enumerating_beside_a_focus_word_is_told_from_one_that_does_not() -> None:
    """哪几方面的教育: the line listing 理论武装、党性教育和道德教育 answers, not one that only
    writes 教育 (batch ab, read after measuring)."""
    assert enumerates("努力构建不断强化理论武装、党性教育和道德教育的格局", ["教育"])
    assert not enumerates("教育广大党员干部保持奋发有为、克难奋进的精神状态", ["干部作风"])
    assert not enumerates("加强重点承接载体建设,着力实施载体环境专项提升行动", ["教育"])


def test_the_focus_words_beside_the_question_word_are_what_it_asks_about() -> None:
    """要构建啥样的产业体系: the line saying 构建…产业体系 answers, not the one before it in the
    passage holding more of the focus (对标高质量发展…产业发展定位) (batch ag)."""
    query = tiny_engine().query("和平区对标高质量发展，要构建啥样的产业体系？")
    assert set(asked_about(query)) == {"构建", "产业", "体系"}  # not 发展: another clause
    assert set(asked_about(tiny_engine().query("北辰要不断激发什么？"))) == {"激发"}
    assert asked_about(tiny_engine().query("北辰区的春小麦")) == {}  # no question word
    # a yes/no question asks about the words before its closing 了没有 or beside its A不A
    # (batch an, read: the line saying 四个县都已脱贫摘帽 answers 那四个县脱贫了没有)
    assert "脱贫" in asked_about(tiny_engine().query("那四个县脱贫了没有？"))
    assert "脱贫" in asked_about(tiny_engine().query("那四个县是不是都脱贫了？"))
