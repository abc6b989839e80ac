"""``qabot eval``: metric functions on hand-made rankings, question-set validation, and the
quality guard on the real engine with the shipped index (no latency assertions here)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from qabot.engine import Engine
from qabot.errors import UsageError
from qabot.evaluation import (
    Outcome,
    Question,
    evaluate_outcomes,
    failure_reasons,
    hit_at,
    is_relevant,
    judge,
    load_questions,
    ndcg,
    percentile,
    reciprocal_rank,
    render_table,
    run_evaluation,
    summarize,
    write_report,
)
from qabot.evaluation.run import LineChoices, ask_all
from qabot.linerank import LINE_RANKER, LineRanker
from qabot.refusal import FALLBACK_RULE, LENIENT, NO_ANSWER_RULES
from qabot.settings import Settings
from qabot.types import Answer, Passage

from conftest import TINY_CHUNKS, CliRun, make_chunk, tiny_engine

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "questions.jsonl"

# Quality guard, hybrid mode, on tests/data/questions.jsonl with the shipped index.
# Measured on 2026-11-23 (526 questions, 382 answerable, 144 unanswerable): hit@5 0.979,
# and held-out 5-fold refusal rates below. The bounds leave a small margin.
# never below 0.90, issue 2's floor; 0.947 on the 928 questions (English and metadata added)
MIN_HIT5 = 0.94
# held-out 5-fold on the 1378 questions: 0.073 (0.097 on the 1228 before this round's work)
MAX_ANSWERABLE_REFUSED = 0.10
MIN_UNANSWERABLE_REFUSED = 0.83  # held-out on the 1378 questions: 0.851 (0.815 at the start)
MIN_COMPARISON_COVERAGE = 0.90
# one question moves refusal.objective by about 0.0017: three questions of machine noise
MACHINE_NOISE = 0.005
# one question of the ~1480 whose line the ranker chooses moves line_hit by 0.0007
LINE_NOISE = 0.003

CONTRACT_KEYS = {
    "questions",
    "answerable",
    "hit@1",
    "hit@3",
    "hit@5",
    "hit@10",
    "mrr@10",
    "ndcg@10",
    "answerable_refused",
    "unanswerable_refused",
    "comparison_coverage",
    "latency_p50_ms",
    "latency_p95_ms",
    "mode",
    "k",
    "by_type",
    "by_district",
}


# ---------------------------------------------------------------------------- helpers


def make_answer(texts: list[tuple[str, str]], no_answer: bool = False) -> Answer:
    passages = [
        Passage(rank, 1.0 / rank, make_chunk("doc", rank, text, district), text, 0.5, 1.0)
        for rank, (text, district) in enumerate(texts, start=1)
    ]
    return Answer(
        question="q",
        districts=[],
        no_answer=no_answer,
        answer="",
        passages=passages,
        latency_ms=10.0,
    )


def question(
    answers: tuple[str, ...] = ("甲",),
    districts: tuple[str, ...] = ("北辰区",),
    qtype: str = "fact",
) -> Question:
    return Question(id="q", question="问题", answers=answers, districts=districts, type=qtype)


def outcome(
    relevance, no_answer=False, answers=("甲",), districts=("北辰区",), returned=None, **kw
):
    q = question(answers=answers, districts=districts, qtype=kw.pop("qtype", "fact"))
    return Outcome(
        question=q,
        relevance=list(relevance),
        no_answer=no_answer,
        districts_returned=list(returned if returned is not None else districts),
        latency_ms=kw.pop("latency", 10.0),
    )


# ---------------------------------------------------------------------------- metric functions


def test_hit_mrr_ndcg_on_a_hand_made_ranking() -> None:
    relevance = [False, True, False, True] + [False] * 6
    assert [hit_at(relevance, n) for n in (1, 2, 3, 5, 10)] == [0.0, 1.0, 1.0, 1.0, 1.0]
    assert reciprocal_rank(relevance) == 0.5
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 / math.log2(2) + 1 / math.log2(3)
    assert ndcg(relevance) == pytest.approx(dcg / ideal)
    assert ndcg(relevance) == pytest.approx(0.650921, abs=1e-6)


def test_metrics_at_the_edges() -> None:
    assert ndcg([True] + [False] * 9) == 1.0
    assert ndcg([False] * 10) == 0.0
    assert reciprocal_rank([False] * 10) == 0.0
    assert ndcg([True, True, True]) == pytest.approx(1.0)
    # only the first 10 count
    late = [False] * 10 + [True]
    assert reciprocal_rank(late) == 0.0 and ndcg(late) == 0.0 and hit_at(late, 10) == 0.0
    assert reciprocal_rank([False] * 9 + [True]) == pytest.approx(0.1)


def test_percentile_interpolates_like_numpy() -> None:
    values = [10.0, 20.0, 30.0, 40.0]
    assert percentile(values, 50) == 25.0
    assert percentile(values, 95) == pytest.approx(38.5)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_evidence_matching_normalises_script_width_and_spaces() -> None:
    passage = "采取套种、间作等方式，种植春小麦 6550亩。"
    assert is_relevant(passage, ["種植春小麥6550畝"])  # Traditional
    assert is_relevant(passage, ["种植春小麦６５５０亩"])  # full-width digits
    assert is_relevant(passage, ["不在这里", "间作等方式"])  # any phrase
    assert not is_relevant(passage, ["种植冬小麦"])
    assert not is_relevant(passage, [])


def test_summarize_exact_values() -> None:
    outcomes = [
        outcome([True] + [False] * 9),  # rank 1
        outcome([False, False, True] + [False] * 7, no_answer=True),  # rank 3, refused
        outcome([False] * 6 + [True] + [False] * 3),  # rank 7
        outcome([False] * 10),  # miss
        outcome([], no_answer=True, answers=(), qtype="unanswerable"),  # refused: good
        outcome([], no_answer=False, answers=(), qtype="unanswerable", latency=50.0),  # answered
        outcome(
            [True, False], answers=("甲",), districts=("北辰区", "和平区"), returned=["北辰区"]
        ),  # comparison not covered, rank 1
        outcome([False, True], districts=("北辰区", "和平区"), returned=["和平区", "北辰区"]),
    ]
    m = summarize(outcomes, k=5)
    assert m["questions"] == 8 and m["answerable"] == 6 and m["unanswerable"] == 2
    assert m["hit@1"] == round(2 / 6, 4)
    assert m["hit@3"] == round(4 / 6, 4)
    assert m["hit@5"] == round(4 / 6, 4)
    assert m["hit@10"] == round(5 / 6, 4)
    assert m["mrr@10"] == round((1 + 1 / 3 + 1 / 7 + 0 + 1 + 1 / 2) / 6, 4)
    ndcg_rank = {1: 1.0, 2: 1 / math.log2(3), 3: 1 / math.log2(4), 7: 1 / math.log2(8)}
    expected_ndcg = (
        ndcg_rank[1] + ndcg_rank[3] + ndcg_rank[7] + 0 + ndcg_rank[1] + ndcg_rank[2]
    ) / 6
    assert m["ndcg@10"] == round(expected_ndcg, 4)
    assert m["answerable_refused"] == round(1 / 6, 4)
    assert m["unanswerable_refused"] == 0.5
    assert m["comparisons"] == 2 and m["comparison_coverage"] == 0.5
    assert m["latency_p50_ms"] == 10.0
    assert m["latency_p95_ms"] == pytest.approx(10.0 + 0.65 * 40.0, abs=0.05)


def test_groups_and_failures() -> None:
    outcomes = [
        outcome([True], districts=("北辰区",), qtype="fact"),
        outcome([False] * 10, districts=("和平区",), qtype="policy"),
        outcome([], answers=(), districts=(), qtype="unanswerable"),
        outcome([True], districts=("北辰区", "和平区"), returned=["北辰区"], qtype="comparison"),
    ]
    result = evaluate_outcomes(outcomes, k=5, mode="hybrid")
    assert set(result["by_type"]) == {"fact", "policy", "unanswerable", "comparison"}
    # a comparison counts for each of its districts; no label goes to (none)
    assert result["by_district"]["北辰区"]["questions"] == 2
    assert result["by_district"]["和平区"]["questions"] == 2
    assert result["by_district"]["(none)"]["questions"] == 1
    assert result["by_type"]["unanswerable"]["hit@5"] is None
    reasons = {f["type"]: f["reasons"] for f in result["failures"]}
    assert set(reasons) == {"policy", "unanswerable", "comparison"}
    assert "no answering passage in top 5" in reasons["policy"][0]
    assert "answered although" in reasons["unanswerable"][0]
    assert "和平区" in reasons["comparison"][0]
    assert failure_reasons(outcomes[0], k=5) == []
    table = render_table(result)
    assert "hit@5" in table and "北辰区" in table and "failed questions: 3" in table


def test_judge_reads_an_answer() -> None:
    answer = make_answer(
        [("无关内容", "北辰区"), ("种植春小麦6550亩", "北辰区"), ("和平区内容", "和平区")]
    )
    q = question(answers=("种植春小麦6550亩",), districts=("北辰区", "和平区"))
    judged = judge(q, answer, k=2)
    assert judged.relevance == [False, True, False]
    assert judged.rank == 2
    assert judged.districts_returned == ["北辰区", "北辰区"] and not judged.covered
    assert judge(q, answer, k=3).covered


class FakeEngine:
    """Records how the evaluation calls ``gather`` and ``decide``."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.rule = FALLBACK_RULE

    def gather(self, text, k=5, district=None, mode="hybrid", qid=None):
        self.calls.append({"text": text, "k": k, "district": district, "mode": mode, "qid": qid})
        if text == "😀":
            raise UsageError("the question has no words to search for")
        return text

    def decide(self, found, rule=None, ranker=None):
        self.calls[-1]["rule"] = rule
        return make_answer([("种植春小麦6550亩", "北辰区")] + [("别的", "和平区")] * 11)


def test_run_evaluation_asks_once_with_k10_and_no_district_filter() -> None:
    engine = FakeEngine()
    questions = [
        question(answers=("春小麦",)),
        Question(id="e", question="😀", answers=("x",), districts=(), type="fact"),
    ]
    result = run_evaluation(engine, questions, k=5, mode="dense")
    assert [c["k"] for c in engine.calls] == [10, 10]
    # decided after, by engine.rule
    assert [c.get("rule") for c in engine.calls] == [LENIENT, None]
    assert all(c["district"] is None and c["mode"] == "dense" for c in engine.calls)
    assert result["errors"] == 1 and result["hit@1"] == 0.5
    run_evaluation(engine, questions[:1], k=12)
    assert engine.calls[-1]["k"] == 12
    with pytest.raises(UsageError):
        run_evaluation(engine, questions, mode="semantic")


def test_a_folds_ranker_decides_again_only_the_questions_it_answers_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Refitting the line ranker per fold re-decides a question only where the fold's ranker
    chooses another line than the shipped one (that choice made the outcomes), and those
    are decided as the engine decides them with that ranker."""
    engine = tiny_engine([make_chunk(*row) for row in TINY_CHUNKS])
    asked = ["北辰区种了多少亩春小麦？", "东丽区怎么治理基层？", "北辰区和东丽区的生态环境比较"]
    questions = [
        Question(id=str(i), question=q, answers=("春小麦",), districts=(), type="fact")
        for i, q in enumerate(asked)
    ]
    outcomes = ask_all(engine, questions, 5, "hybrid")
    lines = LineChoices(engine, outcomes, 5)
    decided = []
    decide = engine.decide
    monkeypatch.setattr(engine, "decide", lambda *a: decided.append(a) or decide(*a))
    assert all(a is b for a, b in zip(lines.decide(LINE_RANKER), outcomes, strict=True))
    assert not decided
    reverse = LineRanker(tuple(-w for w in LINE_RANKER.weights))
    again = lines.decide(reverse)
    changed = [i for i, (a, b) in enumerate(zip(again, outcomes, strict=True)) if a is not b]
    assert outcomes[2].gathered.query.comparison  # one line per district: no ranker's
    assert changed and len(decided) == len(changed) and 2 not in changed
    for i in changed:
        own = judge(questions[i], decide(outcomes[i].gathered, LENIENT, reverse), 5, engine.rule)
        assert again[i].answer == own.answer and again[i].confidence == own.confidence


# ---------------------------------------------------------------------------- question sets


def test_load_questions_reads_the_dev_set() -> None:
    questions = load_questions(QUESTIONS)
    assert len(questions) >= 150
    assert {q.type for q in questions} >= {
        "fact",
        "policy",
        "paraphrase",
        "no-district",
        "traditional",
        "comparison",
        "unanswerable",
    }
    refused_types = {
        "unanswerable",
        "near-miss",
        "out-of-corpus",
        "off-topic",
        "partial",
        "chitchat",
    }
    mixed_types = {"english", "metadata"}  # styles with answerable and unanswerable lines
    assert all(
        q.answerable == (q.type not in refused_types)
        for q in questions
        if q.type not in mixed_types
    )
    assert all(q.answer_type for q in questions if q.id[0] in "nxy")
    assert all(len(q.districts) == 2 for q in questions if q.type == "comparison")


GOOD = (
    '{"id": "a", "question": "北辰区种了多少亩春小麦？", "answers": ["6550亩"], "district": null}'
)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "expected a JSON object"),
        ('{"answers": []}', "'question' is missing"),
        ('{"question": "   ", "answers": []}', "'question' is empty"),
        ('{"question": 5, "answers": []}', "'question' is not a string"),
        ('{"question": "问题"}', "'answers' is missing"),
        ('{"question": "问题", "answers": "6550亩"}', "'answers' must be a list of strings"),
        ('{"question": "问题", "answers": [6550]}', "'answers' must be a list of strings"),
        ('{"question": "问题", "answers": [" "]}', "empty phrase"),
        ('{"question": "问题", "answers": [], "district": 3}', "'district' must be null"),
        ('{"question": "问题", "answers": [], "district": ["北辰区", 2]}', "'district' must be"),
        ('{"question": "问题", "answers": [], "id": [1]}', "'id' must be"),
        ('{"question": "问题", "answers": [], "type": ""}', "'type' must be"),
        ('{"question": "问题", "answers": [], "answer_type": "quanttiy"}', "'answer_type' must be"),
        ('{"id": "a", "question": "问题", "answers": []}', "id 'a' already used on line 1"),
    ],
)
def test_bad_line_names_line_number_and_reason(tmp_path: Path, line: str, reason: str) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(GOOD + "\n\n" + line + "\n", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_questions(path)
    assert "line 3" in str(info.value)
    assert reason in str(info.value)


def test_question_set_defaults_and_empty_files(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"question": "北辰区种了多少亩春小麦？", "answers": ["6550亩"], "district": null}\n'
        '{"question": "天津有多少个区？", "answers": [], "district": ["北辰区", "北辰区"]}\n',
        encoding="utf-8",
    )
    first, second = load_questions(path)
    assert first.id == "line-1" and first.districts == () and first.type == "answerable"
    assert second.type == "unanswerable" and second.districts == ("北辰区",)
    path.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(UsageError, match="no questions"):
        load_questions(path)
    with pytest.raises(UsageError, match="cannot read"):
        load_questions(tmp_path / "missing.jsonl")
    path.write_bytes('{"question": "北辰"}'.encode("gb18030"))
    with pytest.raises(UsageError, match="not UTF-8"):
        load_questions(path)


# ---------------------------------------------------------------------------- real engine


@pytest.fixture(scope="module")
def hybrid_result(set_engine: Engine) -> dict:
    return run_evaluation(set_engine, load_questions(QUESTIONS), k=5, mode="hybrid", folds=5)


def test_quality_guard_hybrid(hybrid_result: dict) -> None:
    r = hybrid_result
    failed = ", ".join(f["id"] for f in r["failures"])
    assert r["hit@5"] >= MIN_HIT5, f"hybrid hit@5 {r['hit@5']} < {MIN_HIT5}; failed: {failed}"
    # hit@5 agrees with the per-question judgements: one top-5 miss listed per failed question
    missed = "no answering passage in top 5"
    misses = [f["id"] for f in r["failures"] if any(x.startswith(missed) for x in f["reasons"])]
    assert r["hit@5"] == round((r["answerable"] - len(misses)) / r["answerable"], 4), misses
    assert r["answerable_refused"] <= MAX_ANSWERABLE_REFUSED, r["answerable_refused"]
    assert r["unanswerable_refused"] >= MIN_UNANSWERABLE_REFUSED, r["unanswerable_refused"]
    assert r["comparison_coverage"] >= MIN_COMPARISON_COVERAGE, r["comparison_coverage"]
    assert r["errors"] == 0
    assert set(r) >= CONTRACT_KEYS


def test_held_out_folds_and_the_shipped_rule(hybrid_result: dict) -> None:
    held = hybrid_result["held_out"]
    assert held["folds"] == 5 and len(held["rules"]) == 5
    assert held["questions"] == hybrid_result["questions"]
    assert held["answerable_refused"] <= MAX_ANSWERABLE_REFUSED, held["answerable_refused"]
    assert held["unanswerable_refused"] >= MIN_UNANSWERABLE_REFUSED, held["unanswerable_refused"]
    # the rule qabot ships is the one fitted on the whole set, up to what another CPU's
    # last-digit embedder differences move (about three questions' worth of the objective,
    # docs/evaluation.md): refit it when the set changes
    assert held["shipped"] == NO_ANSWER_RULES["e5-small"].__dict__
    best, shipped = held["objective"]["fitted_on_all"], held["objective"]["shipped"]
    assert shipped >= best - MACHINE_NOISE, (held["fitted_on_all"], best, shipped)
    # … and the line ranker it ships chooses as well as the one fitted on the whole set
    lines = held["line_ranker"]
    assert len(lines["folds"]) == 5 and lines["shipped"] == list(LINE_RANKER.weights)
    hit = lines["line_hit"]
    assert hit["shipped"] >= hit["fitted_on_all"] - LINE_NOISE, lines["fitted_on_all"]


def test_every_type_and_district_is_broken_down(hybrid_result: dict) -> None:
    questions = load_questions(QUESTIONS)
    assert set(hybrid_result["by_type"]) == {q.type for q in questions}
    assert set(hybrid_result["by_district"]) >= {
        "北辰区",
        "和平区",
        "宝坻区",
        "东丽区",
        "金海湖新区",
    }
    for group in hybrid_result["by_type"].values():
        assert {"hit@5", "mrr@10", "answerable_refused", "unanswerable_refused"} <= set(group)


def test_report_has_chart_and_failures(set_engine: Engine, hybrid_result: dict, tmp_path) -> None:
    questions = load_questions(QUESTIONS)[::8]  # a sample keeps the two extra modes quick
    path = write_report(set_engine, questions, tmp_path / "report", k=5)
    text = path.read_text(encoding="utf-8")
    assert "eval-modes.png" in text and "## Failed questions" in text
    for mode in ("hybrid", "dense", "lexical"):
        assert mode in text
    png = (tmp_path / "report" / "eval-modes.png").read_bytes()
    assert png.startswith(b"\x89PNG")


# ---------------------------------------------------------------------------- the command


def test_eval_json_prints_the_contract_keys(cli: CliRun, shipped: Settings, tmp_path: Path) -> None:
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    sample = tmp_path / "sample.jsonl"
    sample.write_text("\n".join(lines[::40]) + "\n", encoding="utf-8")
    done = cli(
        "eval",
        str(sample),
        "--json",
        "--docs",
        str(shipped.docs),
        "--index",
        str(shipped.index),
    )
    assert done.code == 0, done.err
    result = json.loads(done.out)
    assert set(result) >= CONTRACT_KEYS
    assert (
        result["questions"] == len(lines[::40]) and result["mode"] == "hybrid" and result["k"] == 5
    )
    assert "Traceback" not in done.err


def test_eval_bad_question_file_is_a_usage_error(cli: CliRun, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(GOOD + "\n" + '{"question": "问题", "answers": "x"}' + "\n", encoding="utf-8")
    done = cli("eval", str(path), "--index", str(tmp_path / "none"))
    assert done.code == 2
    assert "line 2" in done.err and "'answers' must be a list" in done.err
    assert "Traceback" not in done.err
