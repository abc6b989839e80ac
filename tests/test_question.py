"""Question analysis over the lexicon (``qabot/data/lexicon.toml``), table-driven and without
the embedding model: a question → its answer type, the unit asked, the districts searched and
whether it is a comparison; then one check per list of the lexicon."""

from __future__ import annotations

import pytest

from qabot.districts import Gazetteer
from qabot.engine import Engine
from qabot.lexical import Tokenizer
from qabot.lexicon import example_questions, lexicon
from qabot.query import make_query
from qabot.question import ANSWER_TYPES, QuestionAnalyzer
from qabot.units import unit_fits
from qabot.values import typed_values

PEOPLE = [("冯卫华", "北辰区"), ("谢元", "东丽区")]


@pytest.fixture(scope="module")
def analyzer() -> QuestionAnalyzer:
    gazetteer = Gazetteer()
    return QuestionAnalyzer(gazetteer, Tokenizer(gazetteer.names), people=PEOPLE)


# question, answer type, unit asked, districts searched, comparison
TABLE = [
    ("北辰区种了多少亩春小麦？", "quantity", ("area",), ["北辰区"], False),
    ("宝坻区交付了几个还迁小区？", "quantity", ("count",), ["宝坻区"], False),
    ("和平区要实施多少项民心工程？", "quantity", ("count:项件",), ["和平区"], False),
    ("东丽区有多少名网格员？", "quantity", ("count:名人位",), ["东丽区"], False),
    ("东丽区开了几场招聘会？", "quantity", ("count:场",), ["东丽区"], False),
    ("和平区今年要承办第几届津洽会？", "quantity", None, ["和平区"], False),  # batch ai
    ("北辰区办了多少年？", "quantity", ("duration",), ["北辰区"], False),
    ("宝坻区的投资有多少亿元？", "quantity", ("money",), ["宝坻区"], False),
    ("金海湖新区的旅游收入多少", "quantity", ("money", "percent"), ["金海湖新区"], False),
    ("北辰区建了多大的产业园？", "quantity", ("area",), ["北辰区"], False),
    ("东丽区的增长率是多少？", "quantity", None, ["东丽区"], False),
    ("谢元说科研机构有多少家", "quantity", ("count:家所",), ["东丽区"], False),
    ("冯书记讲的帮扶资金一共投了多少", "quantity", None, ["北辰区"], False),
    # 谁都不能碰: anyone, not a question of who
    ("宝坻区要不要划一条谁都不能碰的保护线？", "yes_no", None, ["宝坻区"], False),
    ("北尘区春小麦种了多少亩", "quantity", ("area",), ["北辰区"], False),
    ("东丽区和和平区怎么治理污染？", "comparison", None, ["东丽区", "和平区"], True),
    ("北辰区和东丽区的生态环境建设有什么不同？", "comparison", None, ["北辰区", "东丽区"], True),
    ("金海湖新区为什么要发展工业？", "reason", None, ["金海湖新区"], False),
    ("北辰区说2020年不同寻常，是因为碰上了什么事？", "reason", None, ["北辰区"], False),  # aj
    # the last clause asks in a word no kind has: the measures before are its topic (batch aj)
    ("和平区落实那些具体举措，是为了提高什么？", "other", None, ["和平区"], False),
    ("什么是小巷管家？", "definition", None, [], False),
    ("和平发展是什么意思", "definition", None, [], False),  # 和平 the word, not the district
    ("北辰区哪一年实现全面小康？", "date", None, ["北辰区"], False),
    ("谁推行小巷管家？", "person", None, [], False),
    ("和平区在哪里？", "place", None, ["和平区"], False),
    ("和平区有哪几家医院参与了", "measures", None, ["和平区"], False),  # which, not how many
    ("合平区对口帮扶的是哪几个地方？", "measures", None, ["和平区"], False),  # a list, as 哪些地方
    ("東麗區科技創新有哪些措施", "measures", None, ["东丽区"], False),
    ("红桥区的营商环境怎么样？", "measures", None, [], False),
    ("北辰区有没有建设养老院？", "yes_no", None, ["北辰区"], False),
    ("北辰区会不会加快修复农药厂？", "yes_no", None, ["北辰区"], False),  # A-not-A
    ("东丽区的老破车管不管？", "yes_no", None, ["东丽区"], False),
    # its spoken short form, 那几家 pointing at some (not how many; read in batch i)
    ("东丽那几家钢铁厂要搞超低排放不啊", "yes_no", None, ["东丽区"], False),
    # thanks at the end: neither asked nor in the way of the cue that ends the question
    ("请问北辰在北京那边办过招商的会没有啊，谢谢", "yes_no", None, ["北辰区"], False),
    ("北辰区的情况", "other", None, ["北辰区"], False),
    # the last clause asks in words of its own: which, not who
    ("和平区规定谁先接待谁负责到底，这是哪两项制度？", "measures", None, ["和平区"], False),
    ("东丽区种了多少亩树，是谁负责的？", "person", ("area",), ["东丽区"], False),
    # which ones of a counted set, not where; a deadline kept, not when (read in batch f's set)
    ("和平区供给侧改革要在哪八个字上下功夫", "measures", None, ["和平区"], False),
    ("和平区机构改革要按时间节点完成哪几项工作？", "measures", None, ["和平区"], False),
    # a limit kept, not when (batch ao, read)
    ("东丽的督察问题是不是要在限定时间内全部改完？", "yes_no", None, ["东丽区"], False),
    # a stretch of time named, not asked (一段时间, 这段时间, 长时间; batch ap, read)
    ("喻祖常认为党代会的部署对新区往后一段时间意味着什么？", "other", None, [], False),
    ("北辰区这段时间在忙什么", "other", None, ["北辰区"], False),
    # an outside county where an event was held is no district compared (batch aq)
    ("金海湖在广州番禺区办了几场招商推介会？", "quantity", ("count:场",), ["金海湖新区"], False),
    # the verb of an effort takes an area, not a place (在哪里取得突破; batch ar)
    ("和平区改革要先在哪里取得突破？", "other", None, ["和平区"], False),
    # where a difficulty lies is a matter, not a place (batch at)
    ("疫情那阵子，北辰的企业都卡在哪些地方了？", "measures", None, ["北辰区"], False),
    ("北辰企业复工难在哪里？", "other", None, ["北辰区"], False),
    ("北辰的天士力在哪里？", "place", None, ["北辰区"], False),
    ("北辰区的招商推介会在哪里开的？", "place", None, ["北辰区"], False),
    ("金海湖新区3场推介会在哪几个城市办的", "place", None, ["金海湖新区"], False),
    # 在哪几个 a place only when a place's word follows; 多找几条 "a few more", 好几 "several",
    # 想干多大的事 how ambitious: no count asked (batch aj)
    ("金海湖重点工程在哪几个关键环节上要主动介入？", "measures", None, ["金海湖新区"], False),
    ("和平区第九届运动会在哪个体育场举办？", "place", None, ["和平区"], False),
    ("北辰怎么帮困难村的村民多找几条打工挣钱的路子？", "measures", None, ["北辰区"], False),
    ("宝坻办了好几个招商活动，效果咋样", "measures", None, ["宝坻区"], False),
    ("宝坻政府给自己定的目标是高是低，想干多大的事？", "other", None, ["宝坻区"], False),
    # a 几 another question word follows is "several": what position, not how many (batch ab)
    ("金海湖新区在毕节几个城区抱团发展里处在什么位置？", "other", None, ["金海湖新区"], False),
    ("东丽区治污下的是多大力度？", "other", None, ["东丽区"], False),  # how hard, not how much
    ("东丽区治污下了多大狠劲？", "other", None, ["东丽区"], False),  # batch al
    ("和平区生态环境要重点抓几方面的工作？", "quantity", ("count:方面",), ["和平区"], False),
    # how much it matters, not a number (batch ag)
    ("北辰的企业在疫情的时候帮了多大忙", "other", None, ["北辰区"], False),
    ("科技创新对东丽的发展能起多大作用", "other", None, ["东丽区"], False),
    # a keyword query naming an amount asks its value (东丽区的GDP was answered with any line)
    ("东丽区的GDP", "quantity", ("money",), ["东丽区"], False),
    ("北辰区人口", "quantity", None, ["北辰区"], False),
    ("东丽区和北辰区的GDP", "comparison", ("money",), ["东丽区", "北辰区"], True),
    ("北辰区扩大了啥蔬菜的种植面积？", "other", None, ["北辰区"], False),  # it asks which
    ("宝坻区咋提高GDP", "measures", None, ["宝坻区"], False),  # how, in a cue of its own
    # which points, not what o'clock; which two (persons) asks who (batch al)
    ("东丽区智慧考核要做到哪几点？", "measures", None, ["东丽区"], False),
    ("东丽区这篇访谈的受访者是哪两位？", "person", None, ["东丽区"], False),
]


@pytest.mark.parametrize(("question", "answer_type", "unit", "districts", "comparison"), TABLE)
def test_question_table(
    analyzer: QuestionAnalyzer,
    question: str,
    answer_type: str,
    unit: tuple[str, ...] | None,
    districts: list[str],
    comparison: bool,
) -> None:
    analysis = analyzer.analyse(question)
    query = make_query(question, analysis, None, lambda words: dict.fromkeys(words, 1.0), str.split)
    assert (analysis.answer_type, analysis.unit) == (answer_type, unit)
    assert (query.districts, query.comparison) == (districts, comparison)


def test_every_cue_names_an_answer_type() -> None:
    assert {name for name, _ in lexicon().answer_types} <= set(ANSWER_TYPES)


@pytest.mark.parametrize(
    ("question", "kept", "dropped"),
    [
        ("冯书记说北辰啥时候搞的 GDP 春小麦咋样", {"春小麦"}, {"冯", "啥", "咋", "搞", "北辰"}),
        ("请问一下区长提到的养老院到底建了没有", {"养老院"}, {"请问", "区长", "提到", "到底"}),
        ("北辰区GDP是多少", {"地区生产总值"}, {"GDP"}),  # spelled out
        # a causative says how, not what: 让 would tie the count to 决不让一名学生辍学
        ("金海湖新区2017年打算让多少穷人摘帽？", {"穷人", "摘帽"}, {"让", "打算"}),
        # the unit asked in is what the answer is counted in, not what it is about
        ("东丽区总面积多少平方公里？", {"总面积"}, {"平方", "公里", "方公里", "平方公里"}),
        ("宝坻区要修多少 公里 乡村公路", {"乡村", "公路"}, {"公里"}),  # English, as it is read
        # a measure word that opens a noun is that noun: 多少人口 asks about the population
        ("东丽区有多少人口？", {"人口"}, set()),
        ("北辰区今年有多少项目开工？", {"项目", "开工"}, {"目"}),
        ("北辰区有多少人参加了培训？", {"参加", "培训"}, {"人", "人参"}),
        # a one-character noun of the question is its topic, though alone jieba tags it zg
        ("北辰区有多少个村？", {"村"}, {"个村"}),
        # jieba's guess at a new word, made of stop words alone (上要: 上, 要), asks nothing;
        # one with a content word (通组路, which the corpus never writes) is asked (batch al)
        ("和平区在生态环境上要重点抓几方面的工作？", {"生态", "环境"}, {"上要", "上", "要"}),
        ("金海湖新区的通组路有多少公里？", {"通组路"}, set()),
    ],
)
def test_fillers_titles_and_spoken_words_are_not_focus(
    analyzer: QuestionAnalyzer, question: str, kept: set[str], dropped: set[str]
) -> None:
    focus = set(analyzer.analyse(question).focus)
    assert kept <= focus and not dropped & focus


def test_times_numerals_and_who_said_it(analyzer: QuestionAnalyzer) -> None:
    analysis = analyzer.analyse("冯书记讲的二〇二〇年和今年帮扶资金一共投了三十五个亿吗")
    assert analysis.times == ["2020年", "今年"] and analysis.years == [2020]
    assert "35" in analysis.numbers  # 三十五个 → 35个: a numeral before a measure word
    assert "冯书记" not in analysis.search and "帮扶资金" in analysis.search


def test_a_title_is_focus_when_the_question_asks_who(analyzer: QuestionAnalyzer) -> None:
    assert "书记" in analyzer.analyse("哪位书记推行了小巷管家？").focus


@pytest.mark.parametrize(
    ("value", "asked", "fits"),
    [
        ("35名", ("count:名人位",), True),
        ("三方面", ("count:方面",), True),  # 几方面 counts aspects (batch al)
        ("5个", ("count:方面",), False),
        ("278个", ("count:名人位",), False),  # 多少名网格员 is not answered by 278个网格
        ("1.2万人次", ("count:名人位",), True),  # counted in 人, so many times over
        ("3年", ("count",), False),  # a span of time is not a count
        ("3.13亿元", ("money", "percent"), True),
        ("75%", ("money", "percent"), True),
        ("6550亩", ("money",), False),
    ],
)
def test_units_by_classifier_and_kind(value: str, asked: tuple[str, ...], fits: bool) -> None:
    assert unit_fits(value, asked) is fits


@pytest.mark.parametrize("word", ["all", "ALL", "全部", "所有", "全部地区", "不限"])
def test_all_district_words(word: str) -> None:
    assert Gazetteer().resolve(word) is None


def test_known_written_forms_of_a_district() -> None:
    assert Gazetteer().find("毕节金海湖的旅游") == ["金海湖新区"]
    assert Gazetteer([("朝阳区", "北京市")]).find("朝阳的学校") == ["朝阳区"]


@pytest.mark.parametrize(
    ("text", "districts"),
    [
        ("和平那边今年抓党建，照着哪个要求", ["和平区"]),
        ("请问和平老城区那些旧片区会不会改造", ["和平区"]),
        ("和平今年招商引资怎么样", ["和平区"]),
        ("做强做优“金融和平”", ["和平区"]),
        ("和平发展是什么意思", []),
        ("维护世界和平", []),
        ("坚持和平与发展", []),
    ],
)
def test_a_short_form_that_is_also_a_word_names_the_district_outside_its_compounds(
    text: str, districts: list[str]
) -> None:
    assert Gazetteer().find(text) == districts


def test_a_place_named_after_a_district_is_asked_whole(shipped_light: Engine) -> None:
    """东丽湖 is a lake of 东丽区, not 东丽区 and 湖: the question's focus and names hold it
    whole, so a sentence of the district that does not write it (146平方公里的绿色生态屏障)
    gives no size of it (batch ah)."""
    corpus = "东丽湖成为国家生态旅游示范区。在北辰医院设置发热门诊。东丽区全域城市化。"
    # 东丽区 is the district itself, 东丽全域 no place, 东丽河 not written in the corpus
    assert Gazetteer().places_named_after(corpus) == ("北辰医院", "东丽湖")
    query = shipped_light.query("东丽湖国家生态旅游示范区有多大面积？")
    assert query.districts == ["东丽区"] and query.names[:1] == ["东丽湖"]
    assert "东丽湖" in query.weights and "湖" not in query.weights


def test_examples_and_districts_shown_come_from_the_index(tiny: Engine) -> None:
    """The tiny index holds 北辰区 and 东丽区: the gazetteer knows more written forms, but
    users are shown only the index's districts, and examples about them."""
    assert tiny.districts == ["北辰区", "东丽区"]
    assert len(tiny.gazetteer.names) > 2
    assert tiny.examples() == example_questions(["北辰区", "东丽区"])
    assert tiny.examples()[0] == "北辰区有哪些主要举措？"
    assert "东丽区" in tiny.examples()[-1]
    assert example_questions([]) == [] and example_questions(["朝阳区"]) == [
        "朝阳区有哪些主要举措？",
        "朝阳区在就业方面做了什么？",
    ]


def test_thanks_at_the_end_is_not_a_topic_word(analyzer: QuestionAnalyzer) -> None:
    assert "谢谢" not in analyzer.analyse("金海湖 接送娃的校车 有人查没 谢谢").focus
    assert analyzer.analyse("北辰区种了多少亩春小麦？Thanks!").query == "北辰区种了多少亩春小麦？"
    assert analyzer.analyse("谢谢").query == "谢谢"  # alone it is what is said


def test_a_name_the_documents_title_is_a_person_wherever_it_is_written() -> None:
    """习近平 is titled in the documents (习近平总书记), so a sentence naming him without a
    title still holds a person; 建立健全, which jieba tags as a name beside 政府, is none."""
    gazetteer = Gazetteer()
    corpus = "以习近平总书记重要讲话为指导。区委书记冯卫华表示。建立健全政府法律顾问制度。"
    reading = QuestionAnalyzer(gazetteer, Tokenizer(gazetteer.names), corpus_text=corpus)
    assert set(reading.titled_people) == {"习近平", "冯卫华"}
    speaking = QuestionAnalyzer(gazetteer, Tokenizer(gazetteer.names), PEOPLE, corpus)
    assert speaking.titled_people == ("习近平",)  # 冯卫华 is a speaker: known already
    asked = reading.analyse("宝坻区要用谁的思想来武装头脑？")
    sentence = "坚持用习近平新时代中国特色社会主义思想武装头脑。"
    assert [sentence[a:b] for a, b in typed_values(sentence, asked)] == ["习近平"]
    assert reading.analyse("宝坻区种了多少亩小麦？").titled_people == ()  # asked of who only


def test_which_five_year_period_is_answered_by_its_number() -> None:
    """第几个五年的普法 asks which period: a text names it by its number (“八五”普法,
    “十四五”规划), not by a count with a unit (batch at)."""
    gazetteer = Gazetteer()
    analyzer = QuestionAnalyzer(gazetteer, Tokenizer(gazetteer.names))
    asked = analyzer.analyse("宝坻今年教老百姓学法，搞的是第几个五年的普法？")
    for sentence, period in (
        ("大力开展“八五”普法,提高全民法治意识和法治素养。", "八五"),
        ("也是我区实施“十四五”规划的起步之年,新建改造10所幼儿园。", "十四五"),
    ):
        assert [sentence[a:b] for a, b in typed_values(sentence, asked)] == [period]
    counted = analyzer.analyse("宝坻今年新建改造几所幼儿园？")
    sentence = "也是我区实施“十四五”规划的起步之年,新建改造10所幼儿园。"
    assert [sentence[a:b] for a, b in typed_values(sentence, counted)] == ["10所"]
