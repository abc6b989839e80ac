"""One user must not stall or flood anyone (issue 21, items 3 and 8): inline typing is
debounced and superseded queries dropped; a flood gets one refusal, in order, with a true
retry time; the queue notice gives the question's position; English users get English
(item 9); a greeting gets a short help (item 4)."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest

from qabot.engine import Engine
from qabot.telegram import BotConfig
from qabot.types import Answer

from fake_bot_api import (
    FakeBotAPI,
    callback_update,
    inline_update,
    message_update,
    running,
    sticker_update,
)

QUESTION = "北辰区种了多少亩春小麦？"


def labels(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row]


def data(message: dict, label: str) -> str:
    rows = message["reply_markup"]["inline_keyboard"]
    return next(b["callback_data"] for row in rows for b in row if b["text"] == label)


def test_inline_typing_is_debounced_and_does_not_stall_others(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    typed = ("东丽区和和平区怎么治理污染？" * 3)[:41]
    with running(engine, config):
        queries = [api.push(inline_update(typed[:n], user_id=2001)) for n in range(1, 42)]
        api.push(message_update(QUESTION, user_id=1001))
        api.wait_sent(1001, 1, timeout=60)
        api.wait_for(lambda a: a.requests("answerInlineQuery"), timeout=60, what="the card")
        api.push(message_update("/help", user_id=1001))
        api.wait_sent(1001, 2)  # by now every superseded keystroke had its chance
    answered = [c.params["inline_query_id"] for c in api.requests("answerInlineQuery")]
    assert answered == [queries[-1]["inline_query"]["id"]], "only the last keystroke is searched"
    [card] = api.requests("answerInlineQuery")[0].params["results"]
    assert typed[:40] in card["title"]


def _seconds(text: str) -> int:
    return int(re.search(r"(\d+) 秒后", text).group(1))


def test_a_flood_gets_one_refusal_after_the_answers_with_a_true_time(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    with running(engine, replace(config, rate_limit=5)):
        started = time.monotonic()
        ids = [
            api.push(message_update(f"{QUESTION}第{n}问"))["message"]["message_id"]
            for n in range(16)
        ]
        api.wait_for(lambda a: any("太频繁" in m["text"] for m in a.sent(1001)), timeout=90)
        time.sleep(2)
    replies = [c for c in api.requests("sendMessage") if not c.params.get("_failed")]
    texts = [c.params["text"] for c in replies]
    assert sum("太频繁" in t for t in texts) == 1, "one refusal for the whole burst"
    assert sum("6550亩" in t for t in texts) == 5 and "太频繁" in texts[-1], "after the answers"
    assert replies[-1].params["reply_parameters"]["message_id"] == ids[5]
    arrived = replies[-1].at - started
    assert 60 - arrived <= _seconds(texts[-1]) <= 60 - arrived + 3, "the wait as it is on arrival"


def test_queue_notice_counts_the_questions_ahead(engine: Engine, config: BotConfig) -> None:
    api = FakeBotAPI(flood_control=(1.0, 1)).start()  # one answer a second: a backlog forms
    try:
        with running(engine, replace(config, base_url=api.base_url, queue_notice=1.0)):
            ids = [
                api.push(message_update(f"{QUESTION}第{n}问"))["message"]["message_id"]
                for n in range(6)
            ]
            api.wait_for(
                lambda a: sum("6550亩" in m["text"] for m in a.sent(1001)) == 6, timeout=90
            )
    finally:
        api.close()
    [notice] = [m for m in api.sent(1001) if "排队中" in m["text"]]
    position = ids.index(notice["reply_parameters"]["message_id"])
    ahead = int(re.search(r"前面还有 (\d+) 个", notice["text"]).group(1))
    assert position < len(ids) - 1, "the test needs questions behind the noticed one"
    assert 1 <= ahead <= position, "only the questions before it count"


def test_a_queue_notice_held_up_by_flood_control_is_sent_before_its_answer(
    engine: Engine, api: FakeBotAPI, config: BotConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The notice meets two 429s; its question's turn comes meanwhile. It used to be
    cancelled then (and the once-per-backlog mark kept every later notice back)."""
    ask = engine.ask

    def slow_first(question: str, **kwargs: object) -> Answer:
        if question.endswith("第0问"):
            time.sleep(1.5)  # the first question holds the turn: the second one waits
        return ask(question, **kwargs)

    monkeypatch.setattr(engine, "ask", slow_first)
    api.flood("sendMessage", retry_after=2, times=2, when=lambda p: "排队中" in p["text"])
    with running(engine, replace(config, queue_notice=0.5)):
        ids = [
            api.push(message_update(f"{QUESTION}第{n}问"))["message"]["message_id"]
            for n in range(2)
        ]
        api.wait_for(lambda a: sum("6550亩" in m["text"] for m in a.sent(1001)) == 2, timeout=60)
        time.sleep(0.5)
    replies = api.sent(1001)
    quoted = [m["reply_parameters"]["message_id"] for m in replies]
    assert quoted == [ids[0], ids[1], ids[1]], "answer, notice, then its answer"
    assert replies[1]["text"] == "排队中…前面还有 1 个问题，会按顺序回答。"


def test_english_users_get_english_replies(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    with running(engine, replace(config, rate_limit=1)):
        api.push(sticker_update(user_id=3001, language="en"))
        api.wait_sent(3001, 1)
        api.push(message_update("/nonsense", user_id=3001, language="en"))
        api.wait_sent(3001, 2)
        api.push(message_update("北" * 600, user_id=3001, language="en"))
        api.wait_sent(3001, 3)
        api.push(message_update(QUESTION, user_id=3001, language="en"))
        api.wait_sent(3001, 4, timeout=60)
        api.push(message_update(QUESTION + "？", user_id=3001, language="en"))
        replies = [m["text"] for m in api.wait_sent(3001, 5)]
    assert replies[0].startswith("I can only read text questions, not stickers")
    assert replies[1].startswith("I don't know that command")
    assert replies[2].startswith("That question is too long")
    assert "6550亩" in replies[3], "the answer itself quotes the Chinese documents"
    assert replies[4].startswith("Too many questions: at most 1 a minute")


def test_everything_around_an_english_users_answer_is_english(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    """Item 9: buttons, labels, footer, /district, alerts and the 👎 reasons; an English
    question is answered (the engine's English notice), not told to ask in Chinese."""
    with running(engine, config):
        api.push(message_update(QUESTION, user_id=3002, language="en"))
        [answer] = api.wait_sent(3002, 1, timeout=60)
        api.push(callback_update(data(answer, "More results ›"), answer, user_id=3002))
        api.wait_for(lambda a: "Results 4" in a.shown(3002, answer["_message_id"])["text"])
        page2 = api.shown(3002, answer["_message_id"])
        api.push(callback_update(data(answer, "👎"), answer, user_id=3002))
        reasons = api.wait_for(
            lambda a: "Off topic" in str(a.shown(3002, answer["_message_id"])["reply_markup"])
        )
        expired = callback_update("pg:0123456789ab:1", answer, user_id=3002, language="en")
        api.push(expired)
        api.push(message_update("/district", user_id=3002, language="en"))
        api.push(message_update("/district Nowhere", user_id=3002, language="en"))
        api.push(message_update("How much wheat did Hongqiao plant?", user_id=3002))
        replies = [m["text"] for m in api.wait_sent(3002, 4, timeout=60)]
        api.wait_for(lambda a: len(a.requests("answerCallbackQuery")) >= 3)
    text = answer["text"]
    assert "6550亩" in text and "<b>Answer:</b>" in text and "Districts: 北辰区" in text
    assert "Page 1/3 · [n] Full text" in text and "paragraph" in text and "第" not in text
    passages = ["[1] Full text", "[2] Full text", "[3] Full text"]
    assert labels(answer) == [*passages, "More results ›", "👍", "👎"]
    assert "Results 4–6 of" in page2["text"]
    assert "‹ Previous" in str(page2["reply_markup"]) and "Next ›" in str(page2["reply_markup"])
    assert reasons, "the 👎 reasons in English"
    alerts = [c.params.get("text") for c in api.requests("answerCallbackQuery")]
    assert "What was wrong? Please pick a reason." in alerts
    assert any(a and a.startswith("This result has expired") for a in alerts)
    assert replies[1].startswith("Searching: every district.")
    assert replies[2].startswith("I don't know that district: Nowhere.")
    assert "No documents on 红桥区" in replies[3] and "for reference only" in replies[3]
    assert "You can ask about these districts" in replies[3]
    assert not re.search(r"答：|第 \d|全文|可以问|仅供参考|（天津市）：", replies[3])
    assert "北辰区 (天津市): 《" in replies[3], "the documents suggested, English punctuation"


def test_start_and_documents_list_the_documents_in_english(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    """Item 9: /start and an administrator's /documents describe each document in English
    (its Chinese title and district quoted as they are)."""
    with running(engine, replace(config, admins=frozenset({3003}))):
        api.push(message_update("/start", user_id=3003, language="en"))
        api.wait_sent(3003, 1)
        api.push(message_update("/documents", user_id=3003, language="en"))
        start, documents = (m["text"] for m in api.wait_sent(3003, 2))
    for text in (start, documents):
        assert "北辰区 (天津市): 《" in text, text
        described = re.sub(r"《[^》]*》", "", text.split("<b>Try</b>")[0])
        assert not re.search(r"[（）：，]|段|未知地区", described), described
    assert " paragraphs)" in start and " chunks)" in documents


def test_greetings_get_a_short_help_without_passages_or_buttons(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    """Item 4: the engine types a greeting, thanks or "are you a bot" as ``chitchat``; the bot
    shows its short help, nothing to vote on."""
    with running(engine, config):
        api.push(message_update("你好！"))
        api.push(message_update("谢谢", user_id=1002, language="en"))
        api.push(message_update("你是机器人吗", user_id=1003))
        [hello] = api.wait_sent(1001, 1, timeout=60)
        [thanks] = api.wait_sent(1002, 1, timeout=60)
        [bot] = api.wait_sent(1003, 1, timeout=60)
        api.push(message_update(QUESTION))
        api.wait_sent(1001, 2, timeout=60)
    assert (
        hello["text"].startswith("你好！我根据已收录的政府文档回答问题")
        and "没有找到" not in hello["text"]
    )
    assert thanks["text"].startswith("Hello! I answer questions")
    assert bot["text"] == hello["text"]
    assert not any(m.get("reply_markup") for m in (hello, thanks, bot)), "no vote buttons"
    assert "[1]" not in hello["text"], "no passages"
    assert "6550亩" in api.sent(1001)[1]["text"], "questions are still answered"


def test_a_bare_mention_gets_the_short_help(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    with running(engine, config):
        api.push(message_update("@qabot_test_bot", chat_id=-100400))
        [reply] = api.wait_sent(-100400, 1)
    assert reply["text"].startswith("你好！我根据已收录的政府文档回答问题")
    assert "命令后面" not in reply["text"]
