"""Direct unit tests of the ranking and answering pieces: score fusion and its
lexical gate, interleaving for comparisons, excerpts, headings, typed answers and the
answer/refuse rule — on the tiny in-memory index, no model, no files."""

from __future__ import annotations

from dataclasses import replace

import pytest

from qabot import Engine
from qabot.answer import ELLIPSIS, make_excerpt
from qabot.refusal import LENIENT, NoAnswerRule, speaks_of
from qabot.retriever import _interleave, fuse, standardised
from qabot.sentences import is_heading
from qabot.types import Confidence, Hit
from qabot.units import asked_unit, unit_fits

from conftest import TINY_CHUNKS, make_chunk, tiny_engine


def test_fusion_scores_the_top_of_both_rankings_one(tiny: Engine) -> None:
    hits = tiny.retriever.search("北辰区种植春小麦6550亩", k=4)
    assert hits[0].chunk.id == "beichen#p1"
    assert hits[0].score == 1.0  # the best fused score of the candidates
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_dense_mode_ignores_bm25_and_lexical_mode_ignores_vectors(tiny: Engine) -> None:
    dense = tiny.retriever.search("春小麦", k=4, mode="dense")
    lexical = tiny.retriever.search("春小麦", k=4, mode="lexical")
    assert all(h.lexical == 0.0 for h in dense)
    assert all(h.dense == 0.0 for h in lexical)
    # one ranking alone: the best hit's score is 1, the worst candidate's 0
    assert dense[0].score == lexical[0].score == 1.0


def test_lexical_gate_drops_bm25_for_words_the_corpus_never_uses(tiny: Engine) -> None:
    retriever = tiny.retriever
    assert retriever.lexical_weight(["春小麦"]) == 1.0
    assert retriever.lexical_weight(["火箭发射"]) == 0.0
    half = retriever.lexical_weight(["春小麦", "火箭发射"])
    assert 0.0 < half < 1.0
    assert retriever.lexical_weight([]) == 1.0
    # a word the corpus lacks that is no focus word (搞, 接着: the asker's way of talking)
    # does not lower BM25's weight; a focus word the corpus lacks does (batch ag)
    assert retriever.lexical_weight(["春小麦", "火箭发射"], focus=["春小麦"]) == 1.0
    assert retriever.lexical_weight(["春小麦", "火箭发射"], focus=["火箭发射"]) == half


def test_fusion_counts_how_far_a_passage_stands_out_not_only_its_rank() -> None:
    """e5's cosines of one question's passages sit within hundredths; BM25 scores passage 4
    twice as high as any other. Ranks alone (reciprocal-rank fusion) put passage 1 first, by
    a cosine 0.003 higher; standardised scores put passage 4 first."""
    dense = {1: 0.874, 2: 0.873, 3: 0.872, 4: 0.871, 5: 0.86, 6: 0.85}
    lexical = {4: 5.8, 3: 3.0, 1: 2.9, 2: 2.5, 5: 1.0, 6: 0.5}
    fused = fuse(dense, lexical, weight=1.0)
    assert max(fused, key=fused.__getitem__) == 4
    meaning_only = fuse(dense, lexical, weight=0.0)  # no question word in the corpus
    assert max(meaning_only, key=meaning_only.__getitem__) == 1
    # a candidate one scorer missed gets that scorer's lowest, not nothing
    apart = fuse({1: 0.9, 2: 0.8}, {3: 2.0, 4: 1.0}, weight=1.0)
    assert apart == pytest.approx({1: 0.0, 2: -2.0, 3: 0.0, 4: -2.0})
    z = standardised({1: 1.0, 2: 2.0, 3: 3.0})
    assert z[2] == 0.0 and z[3] == pytest.approx(-z[1]) and z[3] > 0
    assert standardised({1: 5.0}) == {1: 0.0}


def _hit(doc: str, paragraph: int, district: str) -> Hit:
    chunk = make_chunk(doc, paragraph, f"{district}第{paragraph}段。", district)
    return Hit(chunk=chunk, score=1.0, dense=0.0, lexical=0.0)


def test_interleave_alternates_districts_skips_repeats_and_cuts_at_k() -> None:
    a = [_hit("a", 1, "北辰区"), _hit("a", 2, "北辰区"), _hit("a", 3, "北辰区")]
    b = [_hit("b", 1, "东丽区"), a[1]]  # a[1] again: shown once
    merged = _interleave([a, b], k=4)
    assert [h.chunk.id for h in merged] == ["a#p1", "b#p1", "a#p2", "a#p3"]
    assert _interleave([a, b], k=2) == merged[:2]
    assert _interleave([[], []], k=3) == []


def test_excerpt_is_the_best_sentence_widened_with_its_neighbours() -> None:
    text = "第一句讲交通。第二句讲春小麦6550亩。第三句讲蔬菜。" + "很长的第四句。" * 30
    excerpt = make_excerpt(text, {"春小麦": 5.0}, limit=40)
    assert "春小麦6550亩" in excerpt
    assert excerpt.startswith("第一句") and excerpt.endswith(ELLIPSIS)
    late = make_excerpt("开头。" * 30 + "春小麦6550亩。", {"春小麦": 5.0}, limit=20)
    assert late.startswith(ELLIPSIS) and "春小麦6550亩" in late


@pytest.mark.parametrize(
    ("sentence", "query", "heading"),
    [
        ("四是持续优化营商环境。", "", True),
        ("一是全力稳定粮食生产。", "", True),
        ("一是种植春小麦6550亩。", "", False),  # a lead that holds the number is an answer
        ("优化营商环境。", "怎样优化营商环境？", True),  # only restates the question
        ("我们采取套种、间作等方式，扩大春播面积。", "怎样扩大春播面积？", False),
        # a second clause that says what is built: the answer, though written in the
        # question's characters
        ("深化公立医院改革,构建现代医院管理制度。", "和平区公立医院改革要构建什么制度？", False),
        ("深化公立医院改革。", "和平区公立医院改革要构建什么制度？", True),
    ],
)
def test_headings_are_recognised(sentence: str, query: str, heading: bool) -> None:
    assert is_heading(sentence, query) is heading


def test_quantity_answer_marks_the_value_in_the_cited_passage(tiny: Engine) -> None:
    answer = tiny.ask("北辰区种了多少亩春小麦？", k=2)
    assert not answer.no_answer and answer.answer_type == "quantity"
    span = answer.answer_span
    assert span is not None and span.text == "6550亩"
    passage = answer.passages[span.passage - 1].chunk.text
    assert passage[span.start : span.end] == "6550亩"
    assert answer.answer.endswith(f"[{span.passage}]")


def test_measures_are_the_sentences_after_the_heading_that_names_the_topic() -> None:
    text = (
        "四是持续优化营商环境。严格落实首问负责制。打造政务服务无人超市。"
        "建立公平开放透明的市场规则和法治化营商环境。五是加快城市更新。改造老旧小区。"
    )
    engine = tiny_engine([make_chunk("heping", 1, text, "和平区")])
    answer = engine.ask("和平区如何优化营商环境？", k=1)
    assert answer.answer_type == "measures"
    assert [m.text for m in answer.measures] == [
        "严格落实首问负责制。",
        "打造政务服务无人超市。",
        "建立公平开放透明的市场规则和法治化营商环境。",
    ]


@pytest.mark.parametrize(
    ("question", "lead"),
    [
        ("和平区搞民生，教育排在什么位置？", "一是优先发展教育事业。"),  # right before the line
        ("和平区要构建什么样的教育体系？", "一是优先发展教育事业。…"),  # a sentence between
        ("和平区会改造老旧小区吗？", "二是加快城市更新。"),  # the line's own section
    ],
)
def test_a_line_under_a_numbered_lead_starts_with_it(question: str, lead: str) -> None:
    """The lead says what the section is about; a question in other words asks that."""
    text = (
        "一是优先发展教育事业。扎实推进教育综合改革实验区建设,深化办学模式创新。"
        "健全立德树人落实机制,构建促进学生全面发展的教育体系。"
        "二是加快城市更新。改造提升老旧小区,完善社区配套设施。"
    )
    engine = tiny_engine([make_chunk("heping", 1, text, "和平区")])
    answer = engine.ask(question, k=1, rule=LENIENT)
    assert answer.answer.startswith(lead), answer.answer
    assert "是" not in answer.answer.removeprefix(lead)[:2]  # one lead, its own section's


def test_a_quantity_of_the_time_asked_wins_over_a_better_worded_total() -> None:
    text = (
        "北辰区把东西部扶贫协作摆上重要位置，三年来累计投入东西部扶贫协作资金3.13亿元。"
        "今年继续投入帮扶资金1.25亿元，组织企业考察对接。"
    )
    engine = tiny_engine([make_chunk("beichen", 1, text, "北辰区")])
    span = engine.ask("北辰区今年还要投入多少东西部扶贫协作资金？", k=1).answer_span
    assert span is not None and span.text == "1.25亿元"
    total = engine.ask("北辰区三年来投入了多少东西部扶贫协作资金？", k=1).answer_span
    assert total is not None and total.text == "3.13亿元"


def _one_passage(text: str, district: str = "金海湖新区", speaker: str = "") -> Engine:
    """The tiny corpus and one passage more (the others give the focus words their IDF)."""
    chunk = make_chunk("doc", 1, text, district)
    chunk.speaker = speaker
    return tiny_engine([chunk, *(make_chunk(*row) for row in TINY_CHUNKS)])


@pytest.mark.parametrize(
    ("question", "text", "span"),
    [
        # a qualifier belongs to the value
        ("引进了多少个首都项目", "引进了瑞康医药等近百个首都项目。", "近百个"),
        # 4批次 counts trips, not people
        ("派了多少医务人员", "组织4批次35名医务人员赴鄂开展工作。", "35名"),
        # a range is one value
        ("村干部月报酬多少钱", "村干部月报酬提高到2800-3000元。", "2800-3000元"),
        # a number without a unit counts the word after it
        ("2017年要让多少贫困人口脱贫", "围绕2017年8500贫困人口脱贫的目标。", "8500"),
        # 发展到多少 asks for the target
        ("高新技术企业要发展到多少家", "高新技术企业由239家发展到550家。", "550家"),
        # 一共 asks for the total
        (
            "塘约经验一共打造几个",
            "借鉴塘约经验,市级层面打造4个、区级层面打造2个,全区共启动打造13个。",
            "13个",
        ),
    ],
)
def test_quantity_value(question: str, text: str, span: str) -> None:
    answer = _one_passage(text).ask("金海湖新区" + question, k=1)
    assert answer.answer_span is not None and answer.answer_span.text == span


def test_a_passage_with_the_value_asked_goes_before_one_on_the_topic_without_it() -> None:
    chunks = [
        make_chunk("baodi", 1, "宝坻区加快5G基站建设,推动数字经济发展,建设智慧城市。", "宝坻区"),
        make_chunk("baodi", 2, "全年建成5G通信基站400座,实施智慧路灯建设工程。", "宝坻区"),
        *(make_chunk(*row) for row in TINY_CHUNKS),
    ]
    engine = tiny_engine(chunks)
    answer = engine.ask("宝坻区5G基站建几座？", k=2, mode="lexical")
    # (which sentence answers is the learned ranker's: test_answers.py, on the real index)
    assert answer.passages[0].chunk.id == "baodi#p2"
    # a question that is not after a value keeps the retriever's order
    plain = engine.ask("宝坻区怎样推进5G基站建设？", k=2, mode="lexical")
    assert plain.passages[0].chunk.id == "baodi#p1"


def test_names_are_people_next_to_a_title_or_the_speaker_of_the_passage() -> None:
    engine = _one_passage("前不久,市委李鸿忠书记来调研春耕生产。三是建设高水平的创新创业平台。")
    span = engine.ask("哪位市委领导来调研春耕生产？", k=1).answer_span
    assert span is not None and span.text == "李鸿忠"
    # 高水平 is tagged as a name, but no title stands next to it
    assert engine.ask("谁提出建设高水平的创新平台？", k=1).answer_span is None
    words = "东丽区把创新作为发展的第一动力,深入实施创新驱动发展战略。"
    opener = "谢元区长介绍:近年来,东丽区始终把科技摆在突出位置。" + words
    question = "是谁说东丽区把创新作为第一动力的？"
    answer = _one_passage(opener, "东丽区", "谢元").ask(question, k=1)
    assert answer.answer == f"谢元区长介绍:…{words}[1]"
    assert answer.answer_span is not None and answer.answer_span.text == "谢元"
    # a passage that does not write its speaker's name gets it as a label, unmarked
    unnamed = _one_passage(words, "东丽区", "谢元").ask(question, k=1)
    assert unnamed.answer == f"谢元：{words}[1]" and unnamed.answer_span is None


RULE = NoAnswerRule(
    min_coverage=0.5,
    min_dense=0.9,
    min_support=0.2,
    use_type=True,
    min_dense_meaning=0.92,
    min_dense_any=0.85,
)


def test_a_line_dated_by_its_passage_speaks_of_that_year_only() -> None:
    """今年 in a passage written in 2017 is 2017: its 今年计划 answers no question about 2018,
    though the passage names 2018 elsewhere (batch ae: 2018年计划创建多少个规范村 was answered
    with the 2017 plan)."""
    chunk = replace(
        make_chunk("j", 1, "确保2018年全面消除空壳村。今年计划创建规范村10个。", "金海湖新区"),
        date="2017-08-15",
    )
    plan = ["今年计划创建规范村10个。"]
    assert speaks_of(chunk, 2018) and not speaks_of(chunk, 2018, plan)
    assert speaks_of(chunk, 2017, plan) and not speaks_of(chunk, 2016, plan)
    assert speaks_of(chunk, 2018, ["确保2018年全面消除空壳村。"])
    assert speaks_of(chunk, 2018, ["明年计划创建规范村10个。"])


@pytest.mark.parametrize(
    ("confidence", "refused"),
    [
        (Confidence(coverage=0.8, dense=0.86, support=0.8), False),
        (Confidence(coverage=0.1, dense=0.95, support=0.8), False),  # close in meaning
        (Confidence(coverage=0.1, dense=0.87, support=0.8), True),  # neither
        (Confidence(coverage=0.8, dense=0.84, support=0.8), True),  # words far in meaning
        (Confidence(coverage=0.8, dense=0.84, support=0.8, attributed=True), False),
        (Confidence(coverage=0.8, dense=0.95, support=0.1), True),  # answer passage off-topic
        (Confidence(coverage=1, dense=1, support=1, covered=False), True),  # district not held
        (Confidence(coverage=1, dense=1, support=1, year_ok=False), True),
        (Confidence(coverage=1, dense=1, support=1, type_ok=False), True),
        # a value tied to the focus only by meaning: answered when close enough in meaning
        (Confidence(coverage=1, dense=0.95, support=1, type_ok=False, type_by_meaning=True), False),
        (Confidence(coverage=1, dense=0.91, support=1, type_ok=False, type_by_meaning=True), True),
    ],
)
def test_no_answer_rule(confidence: Confidence, refused: bool) -> None:
    assert RULE.refuses(confidence) is refused
    assert not NoAnswerRule(0.5, 0.9, 0.2, use_type=False).refuses(
        Confidence(coverage=1, dense=1, support=1, type_ok=False)
    )


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("北辰区种了多少亩春小麦？", ("area",)),
        ("东丽区试点街道一共有多少名网格员？", ("count:名人位",)),
        ("宝坻区交付了几个还迁小区", ("count",)),
        ("签约金额是多少？", ("money", "percent")),  # read from the words before 多少
        ("北辰区去年财政收入总共多少？", ("money",)),  # … but a share is no total
        ("总投资是多少？", ("money",)),
        # a span of time, whatever the words before say (要花: money elsewhere)
        ("东丽区要花多久让高新技术企业翻番？", ("duration",)),
        ("东丽区用多长时间让高新技术企业倍增？", ("duration",)),
        ("东丽城市化搞了多少年了", ("duration",)),
        ("北辰区派了多少医务人员", ("count:名人位",)),  # people (not money, not a share)
        ("金海湖能让多少穷人有活干", ("count:名人位",)),  # batch b, read after measuring
        ("落实了多少民心工程", None),  # 民心 is no people
        ("北辰财政收入多少拿去搞民生", ("money", "percent")),  # nor a verb's 民生
        ("社区花了多少服务群众的专项经费？", ("money", "percent")),  # nor 服务群众
        ("每个村的活动阵地要建多大", ("area",)),  # 多大 asks for a size
        ("每年把多大比例的财政收入投到民生上", ("percent",)),  # … unless a word after says
        ("关掉了多大发电量的烧煤机组？", None),  # … or names what is measured (batch f)
        ("人均住多大的房子", ("area",)),
        ("投资规模多大", ("money", "percent")),  # … or a word before
        ("新建的道路有多长", ("length",)),
        ("给那几个县还准备拿出多少钱？", ("money",)),  # the last 多少/几 asks; 几个县 says which
        ("多少 亩 小麦 北辰区 种植", ("area",)),  # an English question, rendered
        ("多少 元 东丽区 投入资金 公园", ("money",)),
        # … how often or on average before what it asks (monthly pay: batch ac)
        ("多少 每月 工资 村干部 金海湖新区", ("money",)),
        ("多少 平均 每月 薪酬 工人", ("money",)),
        ("多少 每天 output 垃圾 东丽区", None),
        ("5000万元里，新建那76个花了多少？", ("money", "percent")),  # spending asks for money
        # a GDP (spelled out: 地区生产总值) is money, not a count of anything (10个)
        ("东丽区2019年地区生产总值是多少", ("money",)),
        ("宝坻区2021年地区生产总值计划增长多少？", None),  # … its growth is a share
        # … whatever the total the words before name (宝坻区GDP增长多少 was refused: 7% is no money)
        ("宝坻区地区生产总值增长多少", ("money", "percent")),
        # … and a target for it is one too (GDP目标多少 was refused: found as a user)
        ("宝坻今年地区生产总值目标多少", ("money", "percent")),
        # trees are counted in 棵 (and 株), not in the roads they are planted along (batch af)
        ("潞江东路那几条路的绿化工程，一共要种多少棵树？", ("count:棵株",)),
        ("要种几棵树", ("count:棵株",)),
        # English "how many" before a noun that is no unit: a count of any kind (batch ak)
        ("金海湖新区 着力 多少个 行动", ("count",)),
        ("多少 游客 五大道", ("count:名人位",)),  # tourists are people (客 as 人, 众, 者)
        ("多少 居民 还迁 社区", ("count:名人位",)),
        ("还有多少民居要搬迁", None),  # 民居 are houses, not people (526所民居 were)
        ("多少个 投资 团队 宝坻区", ("count",)),  # how many investment teams: teams
        ("金海湖新区有多少平方公里", ("area",)),  # a unit of four characters
        ("多少 平方公里 金海湖新区", ("area",)),
        # a yield per 亩 is a weight, which an area in 亩 does not answer; an English amount
        # question says what it measures after its cue (batch an)
        ("北辰区2020年春小麦亩产多少？", ("weight", "percent")),
        ("多少 北辰区 春小麦 亩产 2020年", ("weight", "percent")),
        ("多少 东丽区 地区生产总值 增长 2019年", ("money", "percent")),
    ],
)
def test_asked_unit(question: str, asked: tuple[str, ...] | None) -> None:
    assert asked_unit(question) == asked


@pytest.mark.parametrize(
    ("value", "asked", "fits"),
    [
        ("35名", ("count:名人位",), True),
        ("278个", ("count:名人位",), False),  # counts something else than people
        ("106家", ("count",), True),  # 个 is generic
        ("三年", ("count",), False),  # a span of time counts nothing
        ("3.13亿元", ("money", "percent"), True),
        ("75%", ("money", "percent"), True),
        ("6550亩", ("money",), False),
        ("6550亩", None, True),
        ("400场次", ("count:场",), True),  # 场次 counts 场
        ("1.2万人次", ("count:名人位",), True),
        ("4次", ("count:次",), True),
        ("两年半", ("duration",), True),  # counted in 年
        ("4条", ("count:棵株",), False),
        ("3000株", ("count:棵株",), True),
        ("12万头", ("count:头只",), True),
    ],
)
def test_unit_fits(value: str, asked: tuple[str, ...] | None, fits: bool) -> None:
    assert unit_fits(value, asked) is fits
