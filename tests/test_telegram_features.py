"""What users of well-liked bots expect, end to end against the loopback Bot API: feedback
buttons, forum topics, follow-ups by reply, edited questions, admin-only settings, greetings,
English, captions, inline mode, /forget, one passage per paragraph."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from qabot.engine import Engine
from qabot.feedback import FeedbackStore
from qabot.telegram import BotConfig
from qabot.telegram.buttons import parse
from qabot.telegram.records import answer_record
from qabot.telegram.state import ChatState

from fake_bot_api import (
    BOT_USER,
    FakeBotAPI,
    callback_update,
    inline_update,
    message_update,
    my_chat_member_update,
    photo_update,
    running,
)

QUESTION = "北辰区种了多少亩春小麦？"
GROUP = -100200


def labels(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def data(message: dict[str, Any], label: str) -> str:
    markup = message["reply_markup"]
    return next(
        b["callback_data"] for row in markup["inline_keyboard"] for b in row if b["text"] == label
    )


def test_feedback_votes_reasons_and_export(
    engine: Engine, api: FakeBotAPI, config: BotConfig, tmp_path: Path
) -> None:
    with running(engine, config):
        api.push(message_update(QUESTION))
        api.push(message_update("宝坻区交付了几个还迁小区？", user_id=1002))
        [first] = api.wait_sent(1001, 1)
        [second] = api.wait_sent(1002, 1)
        api.push(callback_update(data(first, "👎"), first))
        api.wait_for(
            lambda a: (
                "答非所问"
                in labels({"reply_markup": a.shown(1001, first["_message_id"])["reply_markup"]})
            )
        )
        reasons = {**first, **api.shown(1001, first["_message_id"])}
        assert labels(reasons)[-4:] == ["答非所问", "找错地区", "文档里有但没找到", "其他"]
        api.push(callback_update(data(reasons, "找错地区"), first))
        api.wait_for(lambda a: len(a.requests("answerCallbackQuery")) >= 2)
        api.push(callback_update(data(reasons, "答非所问"), first))  # an old reason button
        api.push(callback_update(data(second, "👍"), second, user_id=1002))
        api.push(callback_update(data(second, "👍"), second, user_id=1002))  # double tap
        api.wait_for(lambda a: len(a.requests("answerCallbackQuery")) >= 5)
    store = FeedbackStore(config.feedback_path)
    entries = store.entries()
    assert [(e.vote, e.reason, e.channel) for e in entries] == [
        ("down", "wrong_district", "telegram"),
        ("up", None, "telegram"),
    ]
    assert entries[0].question == QUESTION and entries[0].districts == ["北辰区"]
    assert "6550亩" in entries[0].answer, "the answer line the vote was cast on"
    retrieved = answer_record(engine.ask(QUESTION, k=9))["passages"]
    assert entries[0].chunk_ids == [p["chunk_id"] for p in retrieved[:3]], "the page shown"
    assert "user" not in json.dumps(entries[0].__dict__), "never who asked"
    out = tmp_path / "down.jsonl"
    assert store.export(out) == 1
    line = json.loads(out.read_text("utf-8"))
    assert line["question"] == QUESTION and line["feedback"]["reason"] == "wrong_district"
    assert line["feedback"]["answer"] == entries[0].answer
    final = api.shown(1001, first["_message_id"])
    assert not {"👍", "👎", "找错地区"} & set(labels(final)), "voted: the buttons are gone"


def test_forum_topics_get_replies_pages_and_sources_in_their_topic(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    topic = 77
    with running(engine, config):
        ask = api.push(message_update(f"/ask {QUESTION}", chat_id=GROUP, thread_id=topic))
        [answer] = api.wait_sent(GROUP, 1)
        time.sleep(0.3)  # /sources quotes the answer once the bot has its id (no human is faster)
        api.push(callback_update(data(answer, "[2] 全文"), answer))
        api.push(message_update("/sources", chat_id=GROUP, thread_id=topic))
        sent = api.wait_sent(GROUP, 3)
    assert all(int(m["message_thread_id"]) == topic for m in sent), "every reply in the topic"
    assert answer["reply_parameters"]["message_id"] == ask["message"]["message_id"]
    assert all(m.get("reply_parameters") for m in sent), "each reply quotes what it answers"


def test_follow_up_by_reply_and_edited_question(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    with running(engine, config):
        api.push(message_update("北辰区怎么治理污染？"))
        [first] = api.wait_sent(1001, 1)
        api.push(message_update("那东丽呢？", reply_to=first))
        follow = api.wait_sent(1001, 2)[1]
        question = api.push(message_update("宝坻区交付了几个还迁小区"))
        third = api.wait_sent(1001, 3)[2]
        api.push(message_update(QUESTION, edit_of=question))
        api.wait_for(
            lambda a: "6550亩" in a.shown(1001, third["_message_id"])["text"], what="edited answer"
        )
        api.push(message_update("/sources"))
        api.wait_sent(1001, 4)
    assert "地区：东丽区" in follow["text"] and "北辰区（天津市）" not in follow["text"]
    assert "答：" in follow["text"] and "污染" in follow["text"], "the topic is kept"
    assert len(api.sent(1001)) == 4, "an edited question edits its answer, no new message"
    assert "还迁" in third["text"]


def test_district_in_groups_is_for_admins_only(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    api.admins.add((GROUP, 7))
    with running(engine, config):
        api.push(message_update("/district 东丽", user_id=8, chat_id=GROUP))
        api.wait_sent(GROUP, 1)
        api.push(message_update("/district 东丽", user_id=7, chat_id=GROUP))
        api.wait_sent(GROUP, 2)
        api.push(message_update("/district", user_id=8, chat_id=GROUP))
        replies = [m["text"] for m in api.wait_sent(GROUP, 3)]
    assert "只有管理员" in replies[0]
    assert "东丽区" in replies[1] and "只有管理员" not in replies[1]
    assert "当前查找范围：东丽区" in replies[2], "anyone may look"


def test_greeting_english_caption_allow_list_forget_and_inline(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    with running(engine, config):
        api.push(my_chat_member_update(GROUP))
        api.push(message_update("/help", user_id=1002, language="en"))
        api.push(message_update("How much wheat did Beichen plant?", user_id=1003))
        api.push(photo_update(user_id=1004, caption=QUESTION))
        api.push(message_update(QUESTION, user_id=1005))
        api.wait_sent(1005, 1)
        api.push(message_update("/forget", user_id=1005))
        api.push(inline_update(QUESTION))
        greeting = api.wait_sent(GROUP, 1)[0]["text"]
        help_en = api.wait_sent(1002, 1)[0]["text"]
        hint = api.wait_sent(1003, 1)[0]["text"]
        caption = api.wait_sent(1004, 1)[0]["text"]
        forgot = api.wait_sent(1005, 2)[1]
        api.push(callback_update(data(api.sent(1005)[0], "更多结果 ›"), api.sent(1005)[0]))
        api.push(message_update("/sources", user_id=1005))
        after = api.wait_sent(1005, 3)[2]["text"]
        inline = api.wait_for(lambda a: a.requests("answerInlineQuery"))[0].params
    assert "已收录的地区和文档" in greeting and "/ask" in greeting
    assert "How to use" in help_en and "/forget" in help_en
    assert "6550亩" in hint and "Answer:" in hint and "Districts:" in hint, "answered in English"
    assert "6550亩" in caption
    assert "已删除" in forgot["text"] and "还没有可以展示的回答" in after
    expired = api.requests("answerCallbackQuery")[-1].params
    assert "过期" in expired["text"]
    [card] = inline["results"]
    assert "6550亩" in card["input_message_content"]["message_text"]


def test_allow_list_ignores_commands_for_other_bots(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    config = BotConfig(**{**config.__dict__, "allow": frozenset({1})})
    with running(engine, config):
        api.push(message_update("/start@other_bot", user_id=9, chat_id=GROUP))
        api.push(message_update(f"/start@{BOT_USER['username']}", user_id=9, chat_id=GROUP))
        [refusal] = api.wait_sent(GROUP, 1)
    assert "只对受邀用户开放" in refusal["text"]
    assert len(api.sent(GROUP)) == 1, "/start@other_bot is not ours to refuse"


def test_one_passage_per_paragraph_and_citations_renumbered(engine: Engine) -> None:
    for question in ("东丽区怎么治理污染？", "东丽区和和平区怎么治理污染？", QUESTION):
        answer = engine.ask(question, k=20)
        record = answer_record(answer)
        where = [(p["doc_id"], p["paragraph"]) for p in record["passages"]]
        assert len(where) == len(set(where))
        assert [p["rank"] for p in record["passages"]] == list(range(1, len(where) + 1))
        cited = {int(n) for n in re.findall(r"\[(\d+)\]", record["answer"])}
        assert cited <= set(range(1, len(where) + 1))
    assert parse("pg:0123456789ab:1") is not None
    assert parse("pg:0123456789ab:1:extra") is None and parse(None) is None


def test_a_vote_during_a_page_turn_is_kept_and_shown(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    """A page turn answers the press before it shows the page; a 👍 handled while that answer
    is on its way (a slow network) must be neither written over by the page turn's copy of
    the record nor shown undone (👍/👎 offered again)."""
    with running(engine, config):
        api.push(message_update(QUESTION))
        [answer] = api.wait_sent(1001, 1)
        up = data(answer, "👍")
        api.slow("answerCallbackQuery", 1.0)
        api.push(callback_update(data(answer, "更多结果 ›"), answer))
        time.sleep(0.3)  # the page turn waits on its answer
        api.push(callback_update(up, answer))
        api.wait_for(lambda a: len(a.requests("editMessageText")) >= 1)
    final = api.shown(1001, answer["_message_id"])
    assert "‹ 上一页" in labels(final) and "👍" not in labels(final), "turned, the vote shown"
    state = ChatState(config.state_path, retention_days=1)
    record = state.answer(up.split(":")[1], 1001)
    state.close()
    assert record is not None and (record["vote"], record["page"]) == ("up", 1)


def test_a_vote_cast_before_the_bot_heard_back_from_the_send_is_kept(
    engine: Engine, tmp_path: Path
) -> None:
    """The bot stores an answer, sends it, then notes the message it went out as. A 👎 can come
    in between (the user sees the message before the bot hears back): noting the message must
    not put back the sender's older copy of the record, without the vote (its reason was then
    dropped as a press on an answer nobody voted on)."""
    state = ChatState(tmp_path / "telegram.sqlite3", retention_days=1)
    sent = answer_record(engine.ask(QUESTION), chat_id=5)
    state.save(sent, newest=True)
    state.save({**sent, "vote": "down", "feedback_id": 7})
    state.attach({**sent, "message_id": 42})
    stored = state.answer(sent["key"], 5)
    assert stored is not None
    assert (stored["vote"], stored["feedback_id"], stored["message_id"]) == ("down", 7, 42)
    assert state.answer_to(5, 42) == stored, "found by its message for a follow-up"
    state.close()


def test_state_retention_forget_and_per_chat_keys(engine: Engine, tmp_path: Path) -> None:
    state = ChatState(tmp_path / "telegram.sqlite3", retention_days=1)
    old = {**answer_record(engine.ask(QUESTION), chat_id=5), "created": time.time() - 2 * 86400}
    new = answer_record(engine.ask(QUESTION), chat_id=5)
    state.save(old)
    state.save(new, newest=True)
    state.set_district(5, "东丽区")
    assert state.answer(old["key"], 5) is None, "past the retention period: expired"
    assert state.answer(new["key"], 6) is None, "a key only opens its own chat's answer"
    state.prune()
    assert state.newest(5)["key"] == new["key"]
    state.close()
    reopened = ChatState(tmp_path / "telegram.sqlite3", retention_days=1)
    assert reopened.district(5) == "东丽区"
    assert reopened.forget(5) == 1, "the old answer was pruned, the new one is forgotten"
    assert reopened.district(5) is None and reopened.newest(5) is None
