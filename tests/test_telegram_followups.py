"""Follow-ups and the newest answer (issue 21, items 2, 5, 6): a short elliptical message
continues the last answer without a swipe-reply and says how it was read; 「再说详细点」 gives
the whole paragraphs; an edited question's answer is the one followed up and counted by
/forget; /sources shows whole paragraphs, of the answer in its own forum topic."""

from __future__ import annotations

import time

from qabot.engine import Engine
from qabot.telegram import BotConfig
from qabot.telegram.followup import elliptical, wants_more
from qabot.telegram.html import esc, render_page
from qabot.telegram.records import answer_record

from fake_bot_api import FakeBotAPI, message_update, running

GROUP = -100300


def test_what_reads_as_a_follow_up() -> None:
    assert elliptical("那东丽区呢？") and elliptical("还有呢") and elliptical("再说详细点")
    assert wants_more("再说详细点") and wants_more("详细点") and not wants_more("那东丽区呢？")
    for question in ("北辰区种了多少亩春小麦？", "谁是区长？", "宝坻区交付了几个还迁小区"):
        assert not elliptical(question), question


def test_follow_up_without_a_reply_and_more_detail(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    with running(engine, config):
        api.push(message_update("和平区怎么治理污染？"))
        api.wait_sent(1001, 1, timeout=60)
        follow = api.push(message_update("那东丽区呢？"))  # typed, not a swipe-reply
        answer = api.wait_sent(1001, 2, timeout=60)[1]
        time.sleep(0.3)  # the bot has stored the answer's message id (no human is faster)
        api.push(message_update("再说详细点"))
        more = api.wait_sent(1001, 3, timeout=60)[2]
        api.push(message_update("北辰区种了多少亩春小麦？"))
        plain = api.wait_sent(1001, 4, timeout=60)[3]
    assert "按“东丽区怎么治理污染？”回答" in answer["text"]
    assert "地区：东丽区" in answer["text"] and "和平区（天津市）" not in answer["text"]
    assert answer["reply_parameters"]["message_id"] == follow["message"]["message_id"]
    assert (
        "完整段落" in more["text"]
        and more["reply_parameters"]["message_id"] == answer["_message_id"]
    ), "「再说详细点」 gives the whole paragraphs of that answer"
    top = engine.ask("东丽区怎么治理污染？", k=config.k).passages[0]
    paragraph = engine.paragraph(top.chunk.id)[1]
    assert len(paragraph) > len(top.chunk.text), "the test needs a paragraph cut into chunks"
    assert esc(paragraph) in more["text"], "the whole paragraph, not the passage"
    assert "按“" not in plain["text"], "a full question is not a follow-up"


def test_edited_question_is_the_one_followed_up_and_forgotten(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    with running(engine, config):
        asked = api.push(message_update("宝坻区交付了几个还迁小区？"))
        first = api.wait_sent(1001, 1, timeout=60)[0]
        api.push(message_update("和平区怎么治理污染？", edit_of=asked))
        api.wait_for(
            lambda a: "污染" in a.shown(1001, first["_message_id"])["text"], what="edited answer"
        )
        api.push(message_update("那东丽呢？", reply_to=first))
        follow = api.wait_sent(1001, 2, timeout=60)[1]
        api.push(message_update("/forget"))
        forgot = api.wait_sent(1001, 3)[2]
    assert "按“东丽区怎么治理污染？”回答" in follow["text"], "the edited question, not the old"
    assert "已删除这个对话保存的 2 个回答" in forgot["text"]


def test_sources_shows_the_answer_of_its_own_topic(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    with running(engine, config):
        api.push(message_update("/ask 东丽区怎么治理污染？", chat_id=GROUP, thread_id=11))
        api.wait_sent(GROUP, 1, timeout=60)
        api.push(message_update("/ask 北辰区种了多少亩春小麦？", chat_id=GROUP, thread_id=22))
        api.wait_sent(GROUP, 2, timeout=60)
        api.push(message_update("/sources", chat_id=GROUP, thread_id=11))
        sources = api.wait_sent(GROUP, 3)[2]
    assert int(sources["message_thread_id"]) == 11
    assert "东丽区怎么治理污染" in sources["text"] and "春小麦" not in sources["text"]


def test_page_range_and_inline_card_wording(engine: Engine) -> None:
    """Item 10: 「第 7 条结果」 (not 7–7); an inline card names its question and does not point
    to buttons or commands it does not have."""
    record = answer_record(engine.ask("东丽区怎么治理污染？", k=9))
    record["passages"] = (record["passages"] * 2)[:7]
    assert "的第 7 条结果（共 7 条）" in render_page(record, 2, 3, engine.districts)
    card = render_page(record, 0, 3, engine.districts, inline=True)
    assert card.startswith("<b>问：东丽区怎么治理污染？</b>")
    assert "全文" not in card and "/sources" not in card
