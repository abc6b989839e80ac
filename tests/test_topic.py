"""The off-topic check (qabot.topic): learned by meaning, refitted per fold, shipped for e5."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from qabot import topic
from qabot.engine import Engine
from qabot.evaluation.crossval import held_out
from qabot.evaluation.questions import Question
from qabot.refusal import FALLBACK_RULE, LENIENT, NoAnswerRule
from qabot.rulefit import fit
from qabot.types import Answer, Confidence

from conftest import tiny_engine
from judged import JudgedStub

DIM = 8


def _vectors(rng: np.random.Generator, centre: int, n: int) -> np.ndarray:
    """``n`` unit vectors around the ``centre``-th axis (two subjects: two axes)."""
    x = rng.normal(0, 0.25, (n, DIM))
    x[:, centre] += 1
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _set(rng: np.random.Generator, off: int = 40, on: int = 160) -> tuple[np.ndarray, list[bool]]:
    return np.vstack([_vectors(rng, 0, off), _vectors(rng, 1, on)]), [True] * off + [False] * on


def test_fit_flags_the_other_subject_and_few_answerable_questions() -> None:
    rng = np.random.default_rng(7)
    x, off = _set(rng)
    check = topic.fit(x, off, [not o for o in off])
    assert check is not None
    new_off, new_on = _vectors(rng, 0, 200), _vectors(rng, 1, 1000)
    assert np.mean([check.flags(v) for v in new_off]) > 0.9
    # the threshold lets all but ANSWERABLE_FLAGGED of the fitted-on answerable through
    assert np.mean([check.flags(v) for v in new_on]) < 0.02
    assert not check.flags(None)  # the BM25 baseline has no vector: never flagged


def test_fit_needs_both_kinds() -> None:
    x = _vectors(np.random.default_rng(1), 1, 20)
    assert topic.fit(x, [False] * 20, [True] * 20) is None


def test_save_and_load_round_trip(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    x, off = _set(np.random.default_rng(3))
    check = topic.fit(x, off, [not o for o in off])
    assert check is not None
    topic.save(check, tmp_path / "topic-fake.json")
    monkeypatch.setattr(topic.resources, "files", lambda package: tmp_path / "qabot")
    (tmp_path / "qabot").mkdir()
    (tmp_path / "qabot" / "data").symlink_to(tmp_path)
    again = topic.shipped("fake")
    assert again is not None and again.threshold == check.threshold
    assert np.allclose(again.weights, check.weights, atol=1e-6)
    assert topic.shipped("another-model") is None  # another model's vectors: no check


def test_an_off_topic_flag_refuses_unless_the_answer_is_an_attribution_fact() -> None:
    rule = NoAnswerRule(min_coverage=0.0, min_dense=0.0, min_support=0.0)
    strong = Confidence(coverage=1.0, dense=0.95, support=1.0)
    assert not rule.refuses(strong)
    assert rule.refuses(replace(strong, off_topic=True))
    assert not rule.refuses(replace(strong, off_topic=True, attributed=True))


def test_the_lenient_drafts_of_evaluation_ignore_the_shipped_check() -> None:
    """``qabot eval`` drafts every answer with LENIENT and decides again per fold: the shipped
    check, fitted on the very questions the folds hold out, must not refuse them there."""
    engine = tiny_engine()
    engine.topic = topic.TopicCheck((0.0,) * engine.embedder.dim, 1.0, 0.0)  # flags all
    found = engine.gather("北辰区种了多少亩春小麦？")
    assert not isinstance(found, Answer) and found.vector is not None
    drafted = engine.decide(found, LENIENT)
    assert drafted.confidence.off_topic and not drafted.no_answer and drafted.answer
    assert engine.decide(found).no_answer  # the shipped rule refuses what it flags


def test_the_rule_grid_counts_the_flag_as_a_refusal() -> None:
    """Unanswerable questions the check flags need no threshold: the grid no longer has to
    refuse them by coverage, and stays low enough to answer the weak answerable ones."""
    flagged = Confidence(coverage=0.2, dense=0.86, support=0.2, off_topic=True)
    weak = Confidence(coverage=0.2, dense=0.86, support=0.2)
    samples = [(flagged, False)] * 10 + [(weak, True)] * 5
    samples += [(Confidence(coverage=0.9, dense=0.93, support=0.9), True)] * 10
    rule = fit(samples)
    assert all(rule.refuses(c) != answerable for c, answerable in samples)


def test_held_out_refits_the_check_without_each_fold() -> None:
    rng = np.random.default_rng(5)
    x, off = _set(rng, 50, 200)
    outcomes = [
        JudgedStub(
            Question(
                id=f"q{i}",
                question="问",
                answers=() if o else ("甲",),
                districts=(),
                type=topic.OFF_TOPIC if o else "fact",
            ),
            vector=v,
            confidence=Confidence(coverage=1.0, dense=0.95, support=1.0),
        )
        for i, (v, o) in enumerate(zip(x, off, strict=True))
    ]
    held = held_out(outcomes, 5, 5, FALLBACK_RULE)
    assert held["topic"]["off_topic_flagged"] > 0.9  # each by a check that never saw it
    assert held["topic"]["answerable_flagged"] < 0.05
    assert held["by_type"][topic.OFF_TOPIC]["unanswerable_refused"] > 0.9


@pytest.mark.parametrize(
    "question",
    ["猫咪不吃饭怎么办", "周末带孩子去哪儿玩比较好？", "How do I cook dumplings?"],
)
def test_the_shipped_check_refuses_daily_life_questions(engine: Engine, question: str) -> None:
    answer = engine.ask(question)
    assert answer.no_answer and answer.confidence.off_topic
    # what the documents are, in the question's language, not "the nearest passage is…"
    said = "does not look like" if question.isascii() else "不像是文档谈的内容"
    assert said in answer.notice and "金海湖新区" in answer.notice


@pytest.mark.parametrize(
    "question",
    [
        "北辰区给困难群众办了哪些实事？",
        "东丽区老百姓看病方便了吗",
        "Jinhaihu poverty alleviation results",
    ],
)
def test_the_shipped_check_lets_the_documents_subjects_through(
    engine: Engine, question: str
) -> None:
    assert not engine.ask(question).confidence.off_topic
