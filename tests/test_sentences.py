"""The sentence module: splitting with offsets, the two parts of the heading rule, ordinal
leads, and the per-passage sentence record each question reads once (fast layer)."""

from __future__ import annotations

import pytest

import qabot.sentences as sentences
from qabot.answer import compose, typed_first
from qabot.contrast import contrasted
from qabot.engine import Engine
from qabot.sentences import (
    ENUMERATION,
    ORDINAL_LEAD,
    SECTION_NUMBER,
    Reading,
    is_heading,
    is_heading_line,
    sentence_spans,
)
from qabot.values import (
    clause_end,
    names_organisation,
    nearest_value,
    organisation_asked,
)


def test_sentences_keep_their_offsets_and_closing_quotes() -> None:
    text = "他说：“要稳粮。”种植春小麦6550亩；完成任务"
    spans = sentence_spans(text)
    assert [s for _, s in spans] == ["他说：“要稳粮。”", "种植春小麦6550亩；", "完成任务"]
    assert all(text[offset : offset + len(s)] == s for offset, s in spans)


@pytest.mark.parametrize(
    ("text", "line", "sentence"),
    [
        ("以“大党建”为第一统领", True, False),  # a short line without a full stop
        ("四是持续优化营商环境。", False, True),  # an ordinal lead with nothing after it
        ("一是种植春小麦6550亩。", False, False),  # a lead that holds a figure is content
        ("北辰区种植春小麦6550亩，扩大春播面积。", False, False),
    ],
)
def test_the_two_parts_of_the_heading_rule(text: str, line: bool, sentence: bool) -> None:
    assert is_heading_line(text) is line
    assert is_heading(text) is sentence


def test_a_sentence_that_restates_the_question_is_a_heading() -> None:
    assert is_heading("优化营商环境。", "北辰区怎样优化营商环境？")
    assert not is_heading("优化营商环境。")


def test_an_authors_closing_note_is_no_measure(tiny: Engine) -> None:
    """(作者系…) says who wrote the article: it ends a list of measures and is no line of its
    own (batch aj); a question about the author is answered with it from the attribution."""
    query = tiny.query("金海湖新区要怎么维护公共安全？")
    text = "加强安全监管。全面排查安全隐患。(作者系毕节金海湖新区党工委副书记、管委会主任)"
    *measures, note = Reading().sentences(text, query)
    assert note.heading and note.section and not any(m.heading for m in measures)


@pytest.mark.parametrize(
    ("text", "section", "enumeration", "lead"),
    [
        ("（三）坚持创新驱动", True, False, True),
        ("第二部分 主要任务", True, False, False),
        ("一是稳定粮食生产", False, True, True),
        ("首先要稳就业", False, True, True),
        ("此外还要抓好安全", False, False, True),
        ("全区上下一心", False, False, False),
    ],
)
def test_ordinal_leads(text: str, section: bool, enumeration: bool, lead: bool) -> None:
    assert bool(SECTION_NUMBER.match(text)) is section
    assert bool(ENUMERATION.match(text)) is enumeration
    assert bool(ORDINAL_LEAD.match(text)) is lead


def test_a_value_is_tied_to_an_unseen_focus_word_through_its_near_words(tiny: Engine) -> None:
    """臭水沟 is in no passage; 治理 stands in for it: the value is tied by meaning, not by
    the focus, and a clause with neither is not tied at all."""
    query = tiny.query("北辰区臭水沟治好了几条？")
    sentence = "全力推进黑臭沟渠治理,今年以来已完成治理6条。"
    weights = {"臭水沟": 1.0}
    assert nearest_value(sentence, query, weights, {"臭水沟": {"治理"}})[1] == "meaning"
    assert nearest_value(sentence, query, weights)[1] == ""
    assert nearest_value(sentence, query, {"治理": 1.0})[1] == "focus"


def test_a_unit_standing_in_for_a_focus_word_ties_no_value(tiny: Engine) -> None:
    """平方米 is near 面积 in meaning, and is the unit of every area: 每个村400平方米 says
    nothing of how big a greenhouse is."""
    query = tiny.query("金海湖新区每个蔬菜大棚有多大面积？")
    sentence = "2018年底达到每个村400平方米为民服务综合阵地。"
    weights = {"大棚": 1.0, "面积": 1.0}
    assert nearest_value(sentence, query, weights, {"面积": {"平方米"}})[1] == ""
    assert nearest_value(sentence, query, weights, {"大棚": {"阵地"}})[1] == "meaning"


def test_a_sentence_of_a_word_standing_in_for_the_thing_counted_counts_it_by_meaning(
    tiny: Engine,
) -> None:
    """几条马路: a sentence without 马路 does not count them, unless a word near it in meaning
    (道路) stands in; the value is then tied by meaning, whatever focus words its clause holds."""
    query = tiny.query("北辰区要给几条马路搞绿化？")
    assert query.counted == "马路"
    sentence = "实施潞江东路等4条道路绿化工程。"
    weights = {"马路": 1.0, "绿化": 1.0}
    assert nearest_value(sentence, query, weights) == (None, "")
    span, near = nearest_value(sentence, query, weights, {"马路": {"道路"}})
    assert span is not None and sentence[span[0] : span[1]] == "4条" and near == "meaning"


def test_the_thing_counted_is_the_head_of_its_nouns_and_a_measure_word_stands_apart(
    tiny: Engine,
) -> None:
    """多少家规上企业 counts 企业 (规上 only says which), so 企业30家 answers it; 多少人有工作 is
    多少人 + 有工作, not the word 人有; 家 and 所, 件 and 项 count the same kinds of thing."""
    query = tiny.query("宝坻今年新纳统多少家规上企业")
    assert query.counted == "企业"
    span, _ = nearest_value("年内新纳统规模以上企业30家。", query, query.weights)
    assert span is not None
    assert "人有" not in tiny.query("宝坻今年能多出多少人有工作？").weights
    query = tiny.query("和平区要办多少件民心工程？")
    span, _ = nearest_value("高标准实施20项民心工程。", query, query.weights)
    assert span is not None  # 件 and 项 count the same things
    # of two values of one kind, the one followed by what the question counts, as it writes it
    query = tiny.query("宝坻区要确保多少项重点工程落地？")
    sentence = "确保129项重点工程和20件民生实事落地落实。"
    span, _ = nearest_value(sentence, query, query.weights)
    assert span is not None and sentence[span[0] : span[1]] == "129项"
    query = tiny.query("宝坻要新建几家老年日间照料中心？")
    sentence = "新建2所老年日间照料中心,发展老年助餐。"
    span, _ = nearest_value(sentence, query, query.weights)
    assert span is not None and sentence[span[0] : span[1]] == "2所"


def test_each_sentence_is_split_and_valued_once_per_question(
    tiny: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """typed_first, the candidates, the excerpt and the answer line read the same record:
    the value nearest the focus is looked for once per sentence, not once per reader."""
    calls: list[str] = []
    original = sentences.nearest_value

    def counting(sentence: str, *args: object) -> object:
        calls.append(sentence)
        return original(sentence, *args)

    monkeypatch.setattr(sentences, "nearest_value", counting)
    query = tiny.query("北辰区种了多少亩春小麦？")
    hits = typed_first(tiny.retriever.find(query, 4, "hybrid"), query)
    composed = compose(hits, query)
    assert composed.span is not None and composed.span.text == "6550亩"
    assert calls and len(calls) == len(set(calls))


def test_the_count_that_opens_a_quoted_slogan_answers_how_many(tiny: Engine) -> None:
    """A value in quotation marks is a name (“113攻坚战”), but 确保“五个不发生” answers 要确保
    几个不出事 when the sentence has no other value; with one, the other is the answer."""
    query = tiny.query("金海湖新区要确保几个不出事？")
    weights = {"确保": 1.0}
    sentence = "最大限度确保“五个不发生”,努力营造安定祥和的社会环境。"
    assert nearest_value(sentence, query, weights) == ((7, 9), "focus")
    assert sentence[7:9] == "五个"
    other = "最大限度确保“五个不发生”,确保3个村不出事。"
    assert nearest_value(other, query, weights)[0] == (16, 18)


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("北辰区的消防训练基地建在哪个镇？", "大张庄镇"),  # a town of a town's name
        ("北辰区的消防训练基地建在哪个街道？", None),  # 建成消防训练基地, 街镇: no street's
        ("北辰区的消防训练基地建在哪里？", "大张庄镇"),  # no kind asked: any place
        ("北辰区的消防训练基地建在哪个街镇？", "大张庄镇"),  # a street or a town
        ("北辰区的消防训练基地建在哪条路上？", None),
    ],
)
def test_a_place_of_the_kind_asked_answers_it(
    tiny: Engine, question: str, value: str | None
) -> None:
    query = tiny.query(question)
    sentence = "提高街镇协调能力,在大张庄镇建成消防训练基地。"
    span, _ = nearest_value(sentence, query, {"消防": 1.0, "训练": 1.0, "基地": 1.0})
    assert (sentence[slice(*span)] if span else None) == value


def test_a_place_word_a_figure_follows_is_a_verb(tiny: Engine) -> None:
    """新建 is a county's name (南昌市新建区) and jieba tags it a place: 新建2所 builds two
    (batch al: 新建 was marked as where the two centres are)."""
    query = tiny.query("新建的两所日间照料中心选在什么地方？")
    sentence = "新建2所老年日间照料中心,发展老年助餐。"
    assert nearest_value(sentence, query, {"日间": 1.0, "照料": 1.0})[0] is None


def test_what_is_done_to_every_street_names_none(tiny: Engine) -> None:
    """分步实施街道机构改革 reforms the streets' offices: 分步实施街道 names no street (h125)."""
    query = tiny.query("剩饭剩菜集中处理的试点放在哪个街道？")
    sentence = "统筹谋划、分步实施街道机构改革,实行扁平化和网络化管理。"
    assert nearest_value(sentence, query, {"试点": 1.0, "处理": 1.0})[0] is None
    named = "在万新街道进行试点,集中处理剩饭剩菜。"
    span, _ = nearest_value(named, query, {"试点": 1.0, "处理": 1.0})
    assert span is not None and named[slice(*span)].endswith("万新街道")


def test_a_time_of_day_is_answered_by_a_time_of_day(tiny: Engine) -> None:
    """几点 (or what time, rendered so) asks for a clock time: a year does not give it."""
    query = tiny.query("北辰区夜市晚上营业到几点？")
    assert query.answer_type == "date"
    weights = {"夜市": 1.0, "营业": 1.0}
    span, _ = nearest_value("夜市2019年开业,每天营业到22点。", query, weights)
    assert span is not None and "夜市2019年开业,每天营业到22点。"[slice(*span)] == "22点"
    assert nearest_value("夜市2019年开业。", query, weights) == (None, "")
    assert "几点" in tiny.query("What time does the night market close?").search


def test_a_plans_deadline_answers_when(tiny: Engine) -> None:
    """啥时候治好: a work plan gives its deadline as 年内 or 年底前 (by the year's end), no
    year written; the sentence that sets it answers, one without any time does not."""
    query = tiny.query("北辰区那些又黑又臭的河沟，打算啥时候基本治好？")
    assert query.answer_type == "date"
    weights = {"黑": 1.0, "臭": 1.0, "治": 1.0}
    sentence = "压实河长责任制,年内基本消除黑臭水体。"
    span, _ = nearest_value(sentence, query, weights)
    assert span is not None and sentence[slice(*span)] == "年内"
    assert nearest_value("压实河长责任制,基本消除黑臭水体。", query, weights) == (None, "")


def test_a_compound_counted_by_its_head_is_counted_by_meaning(tiny: Engine) -> None:
    """多少个工业园区: the text counts 8个园区 of the industrial parks it speaks of; the value is
    found, tied by meaning (the rule then asks more of the passage), not refused outright."""
    query = tiny.query("北辰区接下来要取缔几个工业园区？")
    assert query.counted == "工业园区"
    sentence = "下一步,我们将尽快完成8个园区取缔任务。"
    span, near = nearest_value(sentence, query, {"取缔": 1.0, "工业园区": 1.0})
    assert span is not None and sentence[slice(*span)] == "8个" and near == "meaning"
    assert nearest_value("下一步,我们将尽快完成8个项目。", query, {"取缔": 1.0}) == (None, "")


def test_a_bare_number_before_a_word_for_people_counts_people(tiny: Engine) -> None:
    """多少人: 有12万农民纳入养老保障体系 counts people without 人 (and 8500贫困人口); a bare
    number before anything else (1622万平方米) does not."""
    query = tiny.query("东丽区有多少人纳入了养老保障？")
    weights = {"养老": 1.0, "保障": 1.0}
    sentence = "目前全区征地养老保障实现全覆盖,有12万农民纳入养老保障体系。"
    span, _ = nearest_value(sentence, query, weights)
    assert span is not None and sentence[slice(*span)] == "12万"
    assert nearest_value("养老保障覆盖1622万平方米还迁房。", query, weights) == (None, "")


def test_a_value_alone_in_its_clause_is_tied_by_the_clause_it_opens(tiny: Engine) -> None:
    """2019年,我们成立了北京招商工作部: the year is the time of the clause after it, so that
    clause's focus ties it; a year beside a clause of its own is tied by that clause only."""
    query = tiny.query("北辰区的北京招商工作部是哪一年成立的？")
    weights = {"招商": 1.0, "成立": 1.0}
    sentence = "2019年,我们成立了北京招商工作部,在京举办投资推介会。"
    span, near = nearest_value(sentence, query, weights)
    assert span is not None and sentence[span[0] : span[1]] == "2019年" and near == "focus"
    assert nearest_value("2019年全区经济稳中有进,我们成立了招商工作部。", query, weights)[1] == ""


def test_a_year_of_the_calendar_is_no_quantity(tiny: Engine) -> None:
    """多少 without a unit takes any number with one, but 2019年工作要点 says when, not how
    many; the same digits counting something (2019家) are a value."""
    query = tiny.query("和平区的经济增长目标是多少？")
    assert query.answer_type == "quantity" and query.unit is None
    weights = {"要点": 1.0, "企业": 1.0}
    assert nearest_value("贯彻市委全面深化改革委员会2019年工作要点。", query, weights) == (None, "")
    span, _ = nearest_value("累计引进企业2019家。", query, weights)
    assert span is not None
    # 一批 is "a batch of", no count: 创建三级讲习所…建设一批讲习阵地 gives no number of them
    assert nearest_value("建设一批讲习阵地。", query, {"讲习": 1.0}) == (None, "")
    assert nearest_value("已组织4批次医疗队。", query, {"医疗队": 1.0})[0] is not None
    # 郊野公园一期 names a phase; 举办3期培训班 counts
    assert nearest_value("完成了东丽郊野公园一期建设。", query, {"公园": 1.0}) == (None, "")
    assert nearest_value("举办3期培训班。", query, {"培训": 1.0})[0] is not None
    assert nearest_value("举办两期培训班。", query, {"培训": 1.0})[0] is not None


def test_a_slogans_count_answers_only_what_the_sentence_does_not_write(tiny: Engine) -> None:
    """确保“五个不发生” answers 几个不出事 (nothing else is counted), but “五个一批” counts no
    讲习所 in a sentence that writes them; a count in quotes (“20字”) counts characters."""
    sentence = "创建三级“脱贫攻坚讲习所”,达到“五个一批”。"
    query = tiny.query("金海湖新区一共建了多少个脱贫攻坚讲习所？")
    assert nearest_value(sentence, query, {"讲习所": 1.0}) == (None, "")
    query = tiny.query("金海湖新区要确保几个不出事？")
    span, _ = nearest_value("最大限度确保“五个不发生”。", query, {"确保": 1.0})
    assert span is not None
    query = tiny.query("喻祖常说选好干部按的是几个字的标准？")
    sentence = "认真落实“20字”好干部标准。"
    span, _ = nearest_value(sentence, query, {"干部": 1.0, "标准": 1.0})
    assert span is not None and sentence[span[0] : span[1]] == "20字"


def test_a_values_clause_ends_at_its_punctuation_or_with_the_clause_it_dates() -> None:
    sentence = "在完成厂房18万平方米建设的基础上,启动毕节广州产业园建设。"
    at = sentence.index("18万平方米")
    assert sentence[: clause_end(sentence, (at, at + 6))].endswith("基础上,")
    sentence = "2019年,我们成立了北京招商工作部,在京举办投资推介会。"
    assert sentence[: clause_end(sentence, (0, 5))].endswith("工作部,")


@pytest.mark.parametrize(
    ("question", "sentence", "named"),
    [
        ("系统是哪家公司开发的？", "率先在全省建立精准云帮扶指挥系统。", False),
        ("系统是哪家公司开发的？", "由浪潮软件集团承建。", True),
        ("华旭集团引进的投资者是哪家公司？", "推动华旭集团混改。", False),  # the question's own
        ("跟哪家大医院合作？", "丰富和平区—总医院紧密型医联体内涵建设。", True),
    ],
)
def test_an_organisation_asked_is_answered_by_a_name_of_its_kind(
    question: str, sentence: str, named: bool
) -> None:
    ends = organisation_asked(question)
    assert ends and names_organisation(sentence, ends, question) is named


def test_kinds_that_name_no_organisation_are_not_asked() -> None:
    assert organisation_asked("引进了哪些企业？") == ()  # 龙头企业 names none
    assert organisation_asked("北辰区种了多少亩春小麦？") == ()


@pytest.mark.parametrize(
    ("sentence", "words", "other"),
    [
        ("种植春小麦6550亩", ["冬小麦", "小麦"], True),
        ("种植春小麦6550亩", ["春小麦"], False),
        ("种植春小麦6550亩，冬小麦3000亩", ["冬小麦"], False),  # its own is written
        ("已撤销取缔村级工业集聚区10个", ["镇级", "工业"], True),
        ("发挥好北京招商工作部作用", ["上海", "招商"], True),
        ("发挥好北京招商工作部作用", ["招商"], False),
        ("规范13个区属菜市场运营管理", ["镇属", "菜市场"], True),  # whose markets (batch ab)
        ("铺设污水主干管62公里", ["雨水", "主干"], True),  # another network (batch ac)
        ("完成80户农村危房改造任务", ["城镇", "危房"], True),  # batch ah
        ("科技企业孵化器超过50家,均位居全市第二位", ["孵化器", "全国"], True),
        ("科技企业孵化器超过50家,均位居全国前列", ["孵化器", "全国"], False),
        ("组织4批次35名医务人员赴鄂开展工作", ["医务", "赴京", "支援"], True),
        ("组织4批次35名医务人员赴鄂开展工作", ["医务", "赴鄂"], False),
        # counties are no villages (How many villages does Beichen have? was answered 四个县)
        ("向丁青、兴隆、华池和正宁四个县投入两级帮扶资金", ["村"], True),
        ("向丁青、兴隆、华池和正宁四个县投入两级帮扶资金", ["县"], False),
        # a community's cadres, private markets (read in batch an); 城市 is no member: 城市双修
        # in a sentence is no contrast to the 农村 asked
        ("全部完成改厕任务,推进新村街“城市双修”剩余建设任务", ["农村", "改厕"], False),
        ("村干部月报酬提高到2800-3000元", ["社区干部", "报酬"], True),
        ("规范13个区属菜市场运营管理", ["菜市场", "私营"], True),
    ],
)
def test_a_sentence_writing_a_contrasting_word_speaks_of_another_thing(
    sentence: str, words: list[str], other: bool
) -> None:
    assert contrasted(sentence, "", words) is other


@pytest.mark.parametrize(
    ("question", "words", "other"),
    [
        # a two-character word of a one-character member (read in batch ac)
        ("北辰区今年秋播面积扩大了多少亩？", ["秋播", "面积", "扩大"], True),
        # … not a tokenizer's cut of 农村居民 (城乡居民 is no contrast)
        ("城里和农村居民的收入涨多少？", ["城里", "农村", "村居", "居民", "收入"], False),
    ],
)
def test_a_two_character_word_is_contrasted_unless_it_is_a_cut(
    question: str, words: list[str], other: bool
) -> None:
    sentence = "扩大春播面积,种植春小麦6550亩。城乡居民人均可支配收入增长7%。"
    assert contrasted(sentence, question, words) is other


@pytest.mark.parametrize(
    ("sentence", "question", "other"),
    [
        # another member after the same word, another number in the same frame
        ("建成17个人居环境示范村", "宝坻区今年要建成多少个人居环境示范镇？", True),
        ("建成17个人居环境示范村", "宝坻区今年要建成多少个人居环境示范村？", False),
        ("完成第一产业园二期标准厂房18万平方米建设", "第二产业园建了多少平方米厂房？", True),
        ("落实落细“津八条”“和平20条”", "“和平30条”具体有哪些内容？", True),
        # a province by its one character after going or helping (赴鄂: Hubei) (batch al)
        ("组织4批次35名医务人员赴鄂开展工作", "北辰区组织了几批医务人员去支援上海？", True),
        ("组织4批次35名医务人员赴鄂开展工作", "北辰区派了多少医务人员支援湖北？", False),
        ("选派干部援藏援疆", "北辰区派了多少干部去西藏？", False),
        ("选派干部援藏", "北辰区派了多少干部援疆？", True),
        # a county asked, others of its province named instead (华池 is Beichen's) (batch am)
        ("加大对会宁、舟曲、靖远对口帮扶力度", "和平区对口帮扶的甘肃华池县有哪些项目？", True),
        ("加大对会宁、舟曲、靖远对口帮扶力度", "和平区帮扶会宁县做了什么？", False),
        ("向丁青、兴隆、华池和正宁四个县投入帮扶资金", "北辰区给华池县投了多少钱？", False),
        ("落实落细“津八条”“和平二十条”", "“和平20条”具体有哪些内容？", False),  # same value
        ("新建改造10所幼儿园和中小学校", "新建改造10所学校要花多少钱？", False),
        ("2020年新增就业1万人", "2021年新增就业多少人？", False),  # years: refusal's
        # another kind the question does not write, its own nowhere (方舱 + 医院 as words)
        ("开辟12处集中隔离点", "北辰区疫情期间建了几个方舱医院？", True),
        ("开辟12处集中隔离点", "北辰区开辟了几处集中隔离点？", False),
        ("设置独立发热门诊,开辟12处集中隔离点", "有没有发热门诊和方舱医院？", False),
        ("实际利用内资增长7%以上", "宝坻区实际利用外资要增长多少？", True),
        ("专利申请量达到4800件", "宝坻区的专利授权量目标是多少件？", True),
        ("维修改造乡村公路20公里", "宝坻区要维修改造多少公里城市道路？", True),
        ("维修改造乡村公路20公里", "宝坻今年要修多长的农村公路？", False),  # one kind
        # the figure measures another thing, by the verb before it
        ("针对我区每天产生的600余吨生活垃圾出口问题,积极与市各垃圾处理厂协调",
         "东丽区生活垃圾综合处理厂每天能处理多少吨垃圾？", True),
        ("针对我区每天产生的600余吨生活垃圾出口问题", "东丽区每天产生多少吨生活垃圾？", False),
        ("每天产生600吨,每天处理500吨", "每天能处理多少吨？", False),  # its own is written too
        # a village's clinic is no township's, one national title no other (batch ad)
        ("迁建区疾控中心,维修改造20所村卫生室", "宝坻区要维修改造多少所乡镇卫生院？", True),
        ("迁建区疾控中心,维修改造20所村卫生室", "宝坻区要维修改造多少所村卫生室？", False),
        ("创建全国文明城区、国家卫生区工作到了最后冲刺", "北辰区创建国家园林城区到哪步了？", True),
        ("创建全国文明城区、国家卫生区工作到了最后冲刺", "北辰区创建文明城区到哪一步了？", False),
        # township cadres asked, village cadres written (batch af); town-and-village writes both
        ("村干部月报酬提高到2800-3000元", "金海湖把乡镇干部的月报酬提高到了多少？", True),
        ("村干部月报酬提高到2800-3000元", "金海湖把村干部的月报酬提高到了多少？", False),
        ("镇村干部月报酬提高到2800元", "乡镇干部的月报酬是多少？", False),
        ("城乡居民人均可支配收入增长7%", "农村居民收入增长多少？", False),  # 农村 is no member run
        # over one 亿 written without its number, over ten asked (batch af)
        ("主营业务收入过亿元企业8家", "要新增几家主营业务收入过十亿元的企业？", True),
        ("主营业务收入过亿元企业8家", "要新增几家主营业务收入过亿元的企业？", False),
        # another level, network, designation or measure of the same thing (batch ai)
        ("年内认定国家科技型中小企业150家", "今年要认定多少家市级科技型中小企业？", True),
        ("年内认定国家科技型中小企业150家", "今年要认定多少家国家科技型中小企业？", False),
        ("铺设污水主干管62公里", "铺设了多少公里燃气主干管？", True),
        ("东丽湖成为国家生态旅游示范区", "东丽湖评上国家级旅游度假区了吗？", True),
        ("东丽湖成为国家生态旅游示范区", "东丽湖是国家级生态旅游示范区吗？", False),  # 国家级
        ("建成国家级人力资源服务产业园", "人力资源产业园是国家级还是市级的？", False),  # both asked
        ("确保占工业增加值比重达到32%", "规上工业增加值要增长多少？", True),
        ("工业增加值增长8%,占比重达到32%", "规上工业增加值要增长多少？", False),
        ("主营业务收入过10亿元企业8家", "要新增几家主营业务收入过十亿元的企业？", False),
        # a scheme named by its figures: another scheme's before the same word (batch ag)
        ("推行“7+5”养老服务模式", "和平区推行的“9+3”养老服务模式具体指什么？", True),
        ("推行“7+5”养老服务模式", "和平区推行的“7 + 5”养老服务模式具体指什么？", False),
        ("推行养老服务模式", "和平区推行的“9+3”养老服务模式具体指什么？", False),
        # a province in place of the one asked (batch aj)
        ("16家配套企业从云南全部转移到园区", "力帆有多少家配套企业从四川转移到园区？", True),
        ("16家配套企业从云南全部转移到园区", "力帆有多少家配套企业从云南转移到园区？", False),
        # another kind of facility or body counted, or pay of another period (batch ap)
        ("新建2所老年日间照料中心,发展老年助餐", "宝坻今年要新建几所老年大学？", True),
        ("新建2所老年日间照料中心,发展老年助餐", "宝坻要建几个老年日间照料中心？", False),
        ("国家级高新技术企业由239家发展到550家", "东丽区有多少家国家重点实验室？", True),
        ("国家级高新技术企业由239家发展到550家", "东丽有多少家国家级高新技术企业？", False),
        ("新建提升改造污水处理厂5座", "东丽区新建了几座垃圾焚烧发电厂？", True),
        ("新建改造10所幼儿园和中小学校", "宝坻新建的那两家托育机构在哪？", True),
        ("村干部月报酬提高到2800-3000元", "金海湖新区村干部年终奖是多少？", True),
        # a number after 的 framed by what follows; what is done to a counted thing (batch aq)
        ("大力实施主动融入“一带一路”建设三年方案", "和平区融入“一带一路”的五年方案是什么？", True),
        ("大力实施主动融入“一带一路”建设三年方案", "和平区融入“一带一路”的三年方案是什么？", False),
        ("进一步规范13个区属菜市场运营管理", "北辰区今年新建了多少个区属菜市场？", True),
        ("进一步规范13个区属菜市场运营管理", "北辰区规范了多少个区属菜市场？", False),
        # another kind of property right, vegetable or event (batch ar)
        ("国家知识产权局专利审查协作天津中心,审查员队伍发展到将近1500人",
         "国家知识产权局商标审查协作天津中心有多少名审查员？", True),
        ("建成1万亩天鹰椒产业示范基地,启动华北地区辣椒交易中心建设",
         "宝坻要建多少亩番茄产业示范基地？", True),
        ("建成1万亩天鹰椒产业示范基地,启动华北地区辣椒交易中心建设",
         "宝坻要建几个辣椒交易中心？", False),
        ("继续实施文化惠民工程,举办文化惠民演出400场次",
         "宝坻今年要举办多少场群众体育赛事？", True),
        # an amount per person asked, a village's written; one per person written (batch ar)
        ("23个困难村集体经营性收入全部达到20万元以上",
         "北辰困难村的村民，一个人一年能挣多少钱？", True),
        ("农民人均可支配收入达到3万元", "农民每个人一年能挣多少钱？", False),
        # a bound of another number, a degree, a kind of housing, a project's stage (batch as)
        ("23个困难村集体经营性收入全部达到20万元以上",
         "有多少个困难村的集体经营性收入达到了50万元以上？", True),
        ("23个困难村集体经营性收入全部达到20万元以上",
         "有多少个困难村的集体经营性收入达到了二十万元以上？", False),
        ("审查员队伍发展到将近1500人,硕士以上人员占96%", "审查中心里博士学历的人占多少？", True),
        ("加快棚户区改造,交付使用5个还迁小区", "宝坻今年要交付使用多少个商品房小区？", True),
        ("启动建设2座潮白河大桥", "宝坻今年要建成通车几座潮白河大桥？", True),
        ("启动建设2座潮白河大桥", "宝坻今年要启动建设几座潮白河大桥？", False),
        ("整合环保等10个部门13类专业网格员职责", "网格员一个人要干几个部门的活？", False),
        # another crop, fuel, level, title, school level or kind of body run (batch at)
        ("打造2.2万亩高标准小站稻种植基地", "宝坻要打造多少亩高标准小麦种植基地？", True),
        ("完成5台65蒸吨及以上燃煤锅炉超低排放改造", "东丽完成了几台燃气锅炉的低氮改造？", True),
        ("完成5台65蒸吨及以上燃煤锅炉超低排放改造", "东丽完成了几台燃煤锅炉的改造？", False),
        ("科研机构104家,其中省部级以上大院大所及分支机构30多家", "东丽区有多少家国家级科研机构？",
         True),
        ("成为国家新型城镇化试点区", "东丽区是什么时候成为国家生态文明建设示范区的？", True),
        # … but another spelling of the one asked is the one asked
        ("新建2所敬老院和1所老年大学", "新建了几所养老院？", False),
        ("完善学前教育资源配置,新增学位1710个", "北辰新增了多少个小学学位？", True),
        ("完善学前教育资源配置,新增学位1710个", "北辰新增了多少个学位？", False),
        ("支持社会力量兴办养老机构", "和平区支持社会力量兴办幼儿园吗？", True),
        # land by its use, livestock, a boiler's retrofit (batch au, measured first)
        ("完成2万亩高标准农田建设任务", "北辰今年要完成多少亩高标准果园建设？", True),
        ("推动康嘉年出栏12万头育肥猪场项目建设投产", "康嘉年的肉牛养殖场能出栏多少头？", True),
        ("完成5台65蒸吨及以上燃煤锅炉超低排放改造", "东丽完成了几台燃煤锅炉的低氮改造？", True),
        # another trade fair (read in the set after batch at)
        ("做好津洽会、融洽会、广交会、进博会等展会参展工作", "和平区要参加几次服贸会？", True),
    ],
)  # fmt: skip
def test_a_sentence_in_the_same_words_about_another_one_speaks_of_another_thing(
    sentence: str, question: str, other: bool
) -> None:
    assert contrasted(sentence, question, []) is other


@pytest.mark.parametrize(
    ("sentence", "question", "words", "other"),
    [
        # the population or area of the district asked, a part's written
        ("带动近800贫困人口脱贫", "多少 人口 金海湖新区", ["人口"], True),
        ("带动近800贫困人口脱贫", "东丽区常住人口有多少？", ["常住", "人口"], True),
        ("全区常住人口36万", "东丽区常住人口有多少？", ["常住", "人口"], False),
        ("新区总面积120平方公里", "金海湖新区有多大面积？", ["面积"], False),
        ("产业园规划面积2平方公里", "金海湖新区的总面积是多少？", ["面积", "总面积"], True),
        # an area asked of nothing but the district is its 面积 (found asking as a user)
        ("扩大春播面积,种植春小麦6550亩", "北辰区有多少平方公里？", [], True),
        ("厂房18万平方米", "金海湖新区有多大？", [], True),
        ("新区总面积120平方公里", "金海湖新区有多少平方公里？", [], False),
        ("种植春小麦6550亩", "北辰区种了多少亩春小麦？", ["春小麦", "种"], False),
        # a part asked: the rule is not the one that decides
        ("带动近800贫困人口脱贫", "金海湖要让多少贫困人口脱贫", ["贫困", "人口"], False),
        (
            "打造2.2万亩高标准小站稻种植基地",
            "小站稻种植基地有多大面积？",
            ["小站稻", "种植", "基地", "面积"],
            False,
        ),
        ("人均居住面积增加到40平方米", "人均住的面积翻了几倍？", ["人均", "住", "面积"], False),
    ],
)
def test_a_figure_of_a_part_is_not_the_districts(
    sentence: str, question: str, words: list[str], other: bool
) -> None:
    assert contrasted(sentence, question, words) is other
