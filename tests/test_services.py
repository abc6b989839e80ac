"""Questions for everyday service information (opening hours, the weather, how to apply, an
official's age) are refused with a notice saying what the documents are and where to ask —
unless a document of the corpus holds that kind of information, and only when the question
asks for it, not when it merely shares a word (一下雨就积水 is about drainage)."""

from __future__ import annotations

import pytest

from qabot.lexical import Tokenizer
from qabot.services import ServiceGuard

from conftest import TINY_CHUNKS, make_chunk, tiny_engine

REPORTS = "北辰区推进垃圾分类。一下雨就积水的低洼片得到治理。优化公交线路。农民获得租金收入。"
SEGMENT = Tokenizer().segment


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("北辰区政务服务中心周六上班吗？", "hours"),
        ("东丽区环保投诉打哪个电话？", "contact"),
        ("宝坻区失业金怎么申领？需要带哪些材料？", "procedure"),
        ("北辰区明天天气怎么样？", "weather"),
        ("从天津站坐地铁去北辰要换乘几次？", "travel"),
        ("宝坻有啥好吃的馆子", "leisure"),
        ("东丽湖那边有没有能钓鱼的地方？", "leisure"),
        ("what's the RMB to US dollar exchange rate today", "banking"),
        ("Where can a foreigner open a bank account in Heping?", "banking"),
        ("和平区二手房均价多少？", "prices"),
        ("区委书记冯卫华多大岁数？", "personal"),
        ("在和平区办护照要去哪个窗口？", "procedure"),
        ("天津地铁晚上几点停运？", "travel"),
        ("北辰区哪家驾校学车比较便宜？", "leisure"),
        ("What is the fastest way to get from the airport to Baodi?", "travel"),
        ("What are the opening hours of the Heping service centre?", "hours"),
        ("Will it rain in Dongli tomorrow? What's the weather like?", "weather"),
        ("How old is Feng Weihua?", "personal"),
        ("How do I apply for a business licence in Baodi?", "procedure"),
        ("北辰区明天停电吗？", "utilities"),
        ("东丽区今天限行尾号是几？", "traffic"),
        ("北辰区的公积金余额怎么查？", "records"),
        ("和平区哪个医院看病好？", "leisure"),
        ("How many flights leave Tianjin airport every day?", "travel"),
        ("Is there a power cut in Heping today?", "utilities"),
        ("和平区哪里可以办港澳通行证？", "records"),
        ("Is there an international school in Dongli for expat kids?", "schools"),
        ("Which hotel near the lake in Jinhaihu would you recommend?", "leisure"),
        ("Is there a good Korean restaurant in Beichen?", "leisure"),
        ("东丽区有没有24小时营业的加油站？", "hours"),
        # batch f, read after its first contact
        ("宝坻区哪家健身房办卡比较划算？", "leisure"),
        ("今年高考语文作文题是什么？", "schools"),
        ("金海湖新区哪里可以献血？", "health"),
        ("Where can I get a flu vaccine in Heping?", "health"),
        ("外地户口在北辰买了房能落户吗？", "residence"),
        ("东丽区历史上出过哪些名人？", "local"),
        ("Is there a Starbucks in Baodi?", "local"),
        ("宝坻区电动车上牌去哪里？", "traffic"),
        ("What's the air quality index in Dongli today?", "weather"),
        # batch d, read after its first contact
        ("北辰区哪里有好玩的游乐场？", "leisure"),
        ("今天A股大盘涨了还是跌了？", "markets"),
        ("推荐一部最近好看的电影", "leisure"),
        ("感冒了吃什么药好得快？", "health"),
        ("东丽区区长是什么学历？", "personal"),
    ],
)
def test_a_service_question_is_recognised(question: str, kind: str) -> None:
    found = ServiceGuard(REPORTS, SEGMENT).asked(question)
    assert found is not None and found.name == kind


@pytest.mark.parametrize(
    "question",
    [
        "和平区一下雨就积水的地方有人管吗？",  # drainage, not the weather
        "北辰区公交线路有什么变化？",
        "东丽区农民的租金收入有多少？",
        "北辰区种了多少亩春小麦？",
        "How many mu of spring wheat did Beichen plant?",
        "北辰区60岁以上的老人有多少？",
        "宝坻区政府工作报告结尾号召大家为建设什么而奋斗？",  # 尾号 inside 结尾号召
        "宝坻区的体育健身公园要怎么改造？",  # a venue the report plans, not a shop
        "宝坻区支持本地公司去股市上市筹钱吗？",  # listing firms, not the market's prices
        "东丽区专利审查中心的审查员学历高不高？",  # a staff's degrees, not an official's
        "宝坻开发区看企业用地划不划算？",  # land worth its use, not a bargain (batch an)
    ],
)
def test_a_question_that_only_shares_a_word_is_searched(question: str) -> None:
    assert ServiceGuard(REPORTS, SEGMENT).asked(question) is None


def test_a_corpus_that_holds_the_kind_is_searched_as_usual() -> None:
    guide = REPORTS + "北辰区政务服务中心办公时间：周一至周五9:00-17:00，联系电话：12345。"
    guard = ServiceGuard(guide, SEGMENT)
    assert guard.asked("北辰区政务服务中心周六上班吗？") is None
    assert guard.asked("东丽区环保投诉打哪个电话？") is None
    assert guard.asked("北辰区明天天气怎么样？") is not None


def test_the_engine_refuses_with_the_kind_and_where_to_ask() -> None:
    engine = tiny_engine()
    answer = engine.ask("北辰区明天天气怎么样？会下雨吗？")
    assert answer.no_answer and answer.answer == "" and answer.lines == []
    assert "不含天气信息" in answer.notice and "12345" in answer.notice
    assert answer.passages  # the nearest passages stay, for reference
    english = engine.ask("What is the weather like in Beichen tomorrow?")
    assert english.no_answer and "do not give the weather" in english.notice


def test_the_engine_answers_the_same_question_from_a_service_guide() -> None:
    guide = make_chunk("guide", 1, "北辰区政务服务中心办公时间：周一至周六9:00-17:00。", "北辰区")
    engine = tiny_engine([*(make_chunk(*row) for row in TINY_CHUNKS), guide])
    answer = engine.ask("北辰区政务服务中心几点上班？")
    assert "不含" not in answer.notice
    assert answer.passages[0].chunk.doc_id == "guide"
