"""The Telegram bot end to end: the real PTB Application against a fake Bot API on 127.0.0.1.

Each test starts the bot exactly as ``qabot telegram`` does (``serve`` → PTB's own
``run_polling``/``run_webhook``) in a thread, feeds updates through the fake server and
asserts on what the bot sent. The engine is the real one, on a copy of the shipped index.
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import re
import socket
import time
import urllib.error
import urllib.request
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from qabot.engine import Engine
from qabot.errors import UsageError
from qabot.feedback import state_dir
from qabot.settings import Settings
from qabot.telegram import BotConfig, handlers, run_from_cli
from qabot.telegram.config import RedactToken, api_base_url, parse_allow, read_token
from qabot.telegram.html import render_page, render_paragraph, split_html, utf16_len
from qabot.telegram.records import answer_record
from qabot.telegram.scheduler import QuestionRateLimit

from fake_bot_api import (
    BOT_USER,
    TOKEN,
    BotThread,
    FakeBotAPI,
    callback_update,
    message_update,
    photo_update,
    running,
    sticker_update,
)

# PTB itself warns (v22.2 deprecation notice) whenever it builds a RetryAfter from a 429.

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "北辰区种了多少亩春小麦？"
TELEGRAM_LIMIT = 4096
ALLOWED_TAGS = {
    "b": set(),
    "strong": set(),
    "i": set(),
    "em": set(),
    "u": set(),
    "ins": set(),
    "s": set(),
    "strike": set(),
    "del": set(),
    "code": {"class"},
    "pre": set(),
    "a": {"href"},
    "blockquote": {"expandable"},
    "tg-spoiler": set(),
    "span": {"class"},
    "tg-emoji": {"emoji-id"},
}


# ---------------------------------------------------------------------------- fixtures


# ---------------------------------------------------------------------------- HTML checks


class TelegramHTML(HTMLParser):
    """Fails on anything Telegram's HTML parse mode would reject."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ALLOWED_TAGS, f"tag <{tag}> is not allowed by Telegram"
        for name, _ in attrs:
            assert name in ALLOWED_TAGS[tag], f"attribute {name} not allowed on <{tag}>"
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack}"
        self.stack.pop()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise AssertionError(f"self-closing <{tag}/> is not Telegram HTML")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_html(text: str) -> str:
    """Assert ``text`` is one valid Telegram HTML message; return its visible text (Telegram
    counts the limit on that, after parsing)."""
    bare = re.sub(r"</?[a-z-]+(?:\s+[a-z-]+(?:=\"[^\"<>]*\")?)*\s*>", "", text)
    bare = re.sub(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);", "", bare)
    assert not re.search(r"[<>&]", bare), f"unescaped markup in {text[:200]!r}"
    parser = TelegramHTML()
    parser.feed(text)
    parser.close()
    assert parser.stack == [], f"unclosed tags {parser.stack}"
    visible = "".join(parser.text)
    assert len(visible.encode("utf-16-le")) // 2 <= TELEGRAM_LIMIT
    return visible


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def html_messages(api: FakeBotAPI, chat_id: int) -> list[str]:
    for message in api.sent(chat_id):
        assert message.get("parse_mode") == "HTML"
    return [check_html(m["text"]) for m in api.sent(chat_id)]


# ---------------------------------------------------------------------------- conversations


def test_start_help_and_command_menu(engine: Engine, api: FakeBotAPI, config: BotConfig) -> None:
    with running(engine, config):
        api.push(message_update("/start"))
        api.push(message_update("/help", user_id=1002))
        api.wait_sent(1001, 1)
        api.wait_sent(1002, 1)
    menus = {
        c.params.get("language_code"): c.params["commands"] for c in api.requests("setMyCommands")
    }
    names = ["start", "help", "ask", "district", "sources", "forget"]
    assert [c["command"] for c in menus[None]] == names
    assert [c["command"] for c in menus["en"]] == names, "an English menu as well"
    assert menus["en"][1]["description"] == "How to use it"
    start = html_messages(api, 1001)[0]
    for district in engine.districts:
        assert district in start
    for title in {c.title for c in engine.store.chunks}:
        assert f"《{title}》" in start
    # three example questions, about the index's districts
    assert all(f"• {q}" in start for q in engine.examples()) and len(engine.examples()) == 3
    assert "/district" in html_messages(api, 1002)[0]
    assert api.requests("deleteWebhook"), "polling mode clears any webhook first"


def test_private_question_gets_cited_answer_with_more_button(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    with running(engine, config):
        api.push(message_update(QUESTION))
        [sent] = api.wait_sent(1001, 1)
    text = check_html(sent["text"])
    assert "地区：北辰区" in text
    assert "答：" in text and "6550亩" in text and "[1]" in text
    assert "北辰区（天津市） · 区委书记 冯卫华 · 2020 · 《北辰区委书记冯卫华专访" in text
    assert "第9段" in text
    assert "[3]" in text and "[4]" not in text  # one page of three passages
    labels = [b["text"] for b in buttons(sent)]
    assert labels == ["[1] 全文", "[2] 全文", "[3] 全文", "更多结果 ›", "👍", "👎"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons(sent))
    assert sent["reply_parameters"]["message_id"], "the answer quotes its question"


class SlowEngine:
    """The real engine, taking ``seconds`` longer for each answer."""

    def __init__(self, engine: Engine, seconds: float) -> None:
        self._engine, self.seconds = engine, seconds

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def ask(self, question: str, **kwargs: Any) -> Any:
        time.sleep(self.seconds)
        return self._engine.ask(question, **kwargs)


@pytest.fixture
def quick_typing(monkeypatch: pytest.MonkeyPatch) -> float:
    """The typing action's timing scaled down five times (shown after 0.2 s, refreshed every
    0.9 s): the same schedule in seconds instead of a quarter of a minute per test. Returns
    how long the slow engine takes: a second past the first refresh, as 6.5 s was at the real
    timing."""
    assert handlers.TYPING_AFTER < handlers.TYPING_EVERY < 5, "refreshed before Telegram hides it"
    monkeypatch.setattr(handlers, "TYPING_AFTER", handlers.TYPING_AFTER / 5)
    monkeypatch.setattr(handlers, "TYPING_EVERY", handlers.TYPING_EVERY / 5)
    return handlers.TYPING_AFTER + handlers.TYPING_EVERY + 1.0


def test_typing_is_shown_and_refreshed_while_the_engine_works(
    engine: Engine, api: FakeBotAPI, config: BotConfig, quick_typing: float
) -> None:
    with running(SlowEngine(engine, quick_typing), config):
        api.push(message_update(QUESTION))
        api.wait_sent(1001, 1, timeout=40)
    typing = api.requests("sendChatAction")
    assert len(typing) >= 2, "shown after a second, refreshed before Telegram hides it"
    assert typing[0].params["action"] == "typing"
    assert typing[-1].at < api.requests("sendMessage")[-1].at


def test_a_429_on_typing_does_not_delay_the_answer(
    engine: Engine, api: FakeBotAPI, config: BotConfig, quick_typing: float
) -> None:
    api.flood("sendChatAction", retry_after=60)
    with running(SlowEngine(engine, quick_typing), config):
        api.push(message_update(QUESTION))
        [answer] = api.wait_sent(1001, 1, timeout=40)
    [typing] = api.requests("sendChatAction")  # refused, then neither retried nor refreshed
    assert typing.params["_failed"]
    assert "6550亩" in answer["text"]
    [sent] = api.requests("sendMessage")
    assert sent.at - typing.at < 60, "the answer did not wait out the typing action's 429"


def button(message: dict[str, Any], label: str) -> str:
    """The callback data of the button labelled ``label``."""
    return next(b["callback_data"] for b in buttons(message) if b["text"] == label)


def test_more_results_pages_in_place_and_sources(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    with running(engine, config):
        api.push(message_update(QUESTION))
        [first] = api.wait_sent(1001, 1)
        chat_message = (1001, first["_message_id"])
        api.push(callback_update(button(first, "更多结果 ›"), first))
        api.wait_for(lambda a: "第 4–6 条结果" in a.shown(*chat_message)["text"], what="page 2")
        page2 = {**first, **api.shown(*chat_message)}
        assert all(f"[{n}]" in page2["text"] for n in (4, 5, 6))
        assert [b["text"] for b in buttons(page2)][3:5] == ["‹ 上一页", "下一页 ›"]
        api.push(callback_update(button(page2, "下一页 ›"), first))
        api.wait_for(lambda a: "[7]" in a.shown(*chat_message)["text"], what="page 3")
        page3 = {**first, **api.shown(*chat_message)}
        assert "下一页 ›" not in [b["text"] for b in buttons(page3)], "the last page"
        api.push(callback_update(button(page3, "‹ 上一页"), first))  # and back
        api.push(callback_update(button(page3, "‹ 上一页"), first))  # a double tap: harmless
        api.wait_for(lambda a: "第 4–6 条结果" in a.shown(*chat_message)["text"], what="back")
        api.push(message_update("/sources"))
        sources = api.wait_sent(1001, 2)[1:]
        api.push(callback_update(button(page2, "[5] 全文"), first))
        [paragraph] = api.wait_sent(1001, 3)[2:]
    assert len(api.sent(1001)) == 3, "paging never posts new messages"
    assert len(api.requests("answerCallbackQuery")) == 5
    full = check_html(sources[0]["text"])
    record = answer_record(engine.ask(QUESTION, k=9))
    for passage in record["passages"][3:6]:  # /sources: the page shown, whole passages
        assert passage["text"] in full
    assert "<blockquote expandable>" in sources[0]["text"]
    fifth = record["passages"][4]
    _, whole = engine.paragraph(fifth["chunk_id"])
    assert whole in html.unescape(paragraph["text"]) and fifth["citation"] in paragraph["text"]
    assert paragraph["reply_parameters"]["message_id"] == first["_message_id"]


def test_no_answer_is_plain_and_suggests_districts_and_topics(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    with running(engine, config):
        api.push(message_update("火星区的GDP是多少？"))
        [sent] = api.wait_sent(1001, 1)
    text = check_html(sent["text"])
    assert text.startswith("文档中没有找到能回答这个问题的内容")
    assert "答：" not in text
    for district in engine.gazetteer.names:
        assert district in text
    assert "可以问这些地区和主题" in text
    assert "《工业推动 城市带动 凝心聚力打赢“113攻坚战”》" in text


def test_long_replies_are_split_at_paragraphs_with_balanced_tags(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    config = replace(config, k=20, page_size=20)
    question = "东丽区和和平区怎么治理污染？"
    last = len(answer_record(engine.ask(question, k=20))["passages"])  # one per paragraph
    with running(engine, config):
        api.push(message_update(question))
        api.wait_for(lambda a: "看本页全部段落" in a.last_text(1001), what="the whole answer")
        api.push(message_update("/sources"))
        api.wait_for(lambda a: f"[{last}]</b> <i>" in a.last_text(1001), what="all sources")
    sent = [m["text"] for m in api.sent(1001)]
    first_source = next(n for n, text in enumerate(sent) if text.startswith("<b>完整段落</b>"))
    answer_parts, source_parts = sent[:first_source], sent[first_source:]
    assert len(source_parts) >= 2, "twenty whole passages do not fit one message"
    for part in answer_parts + source_parts:
        check_html(part)  # ≤ 4096, balanced, allowed tags only
    # every cut is at a passage boundary: each message holds whole "[n] … </blockquote>" blocks
    for part in source_parts[1:]:
        assert re.match(r"<b>\[\d+\]</b>", part)
        assert part.endswith("</blockquote>")
    # and nothing is lost
    joined = "\n\n".join(check_html(p) for p in source_parts)
    for passage in answer_record(engine.ask(question, k=20))["passages"]:
        assert passage["text"] in joined


def test_group_answers_ask_and_mentions_only(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    group = -100123
    with running(engine, config):
        api.push(message_update("大家好，今天开会", chat_id=group))
        api.push(message_update("@someone_else_bot 北辰区种了多少亩春小麦？", chat_id=group))
        ask = api.push(message_update(f"/ask@{BOT_USER['username']} {QUESTION}", chat_id=group))
        api.wait_sent(group, 1)
        api.push(
            message_update(f"@{BOT_USER['username']} 宝坻区交付了几个还迁小区？", chat_id=group)
        )
        api.wait_sent(group, 2)
    sent = api.sent(group)
    assert len(sent) == 2, "plain group chatter and other bots' mentions get no reply"
    assert "6550亩" in check_html(sent[0]["text"])
    assert sent[0]["reply_parameters"]["message_id"] == ask["message"]["message_id"]
    assert "5个还迁小区" in check_html(sent[1]["text"])


def test_allow_list_refuses_others_politely(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    config = replace(config, allow=frozenset({1001, -100777}))
    with running(engine, config):
        api.push(message_update(QUESTION, user_id=1002))
        api.push(message_update(f"/ask {QUESTION}", user_id=1003, chat_id=-100555))
        api.push(message_update("随便聊聊", user_id=1003, chat_id=-100555))
        api.push(message_update(f"/ask {QUESTION}", user_id=1004, chat_id=-100777))
        api.push(message_update(QUESTION, user_id=1001))
        [refused] = api.wait_sent(1002, 1)
        api.wait_sent(-100555, 1)
        api.wait_sent(-100777, 1)
        [allowed] = api.wait_sent(1001, 1)
        api.push(callback_update("pg:0123456789ab:1", refused, user_id=1002))
        api.wait_for(lambda a: a.requests("answerCallbackQuery"))
    assert "只对受邀用户开放" in check_html(refused["text"])
    assert "1002" in refused["text"]
    assert len(api.sent(-100555)) == 1, "chatter in a refused group is not answered at all"
    assert "只对受邀用户开放" in api.sent(-100555)[0]["text"]
    assert "1003" not in api.sent(-100555)[0]["text"], "no user's id shown to a whole group"
    assert "6550亩" in api.sent(-100777)[0]["text"], "an allowed group lets its members ask"
    assert "6550亩" in allowed["text"]
    alert = api.requests("answerCallbackQuery")[0].params
    assert "只对受邀用户开放" in alert["text"] and alert["show_alert"] == "true"
    assert len(api.sent(1002)) == 1, "a refused button press shows nothing in the chat"


def test_rate_limit_says_when_to_retry(engine: Engine, api: FakeBotAPI, config: BotConfig) -> None:
    config = replace(config, rate_limit=2)
    with running(engine, config):
        for question in (QUESTION, "宝坻区交付了几个还迁小区？", "和平区怎样建设健康城区？"):
            api.push(message_update(question))
        api.push(message_update(QUESTION, user_id=1002))  # another user is not affected
        api.wait_sent(1001, 3)
        api.wait_sent(1002, 1)
    texts = html_messages(api, 1001)
    limited = [t for t in texts if "提问太频繁" in t]
    assert len(limited) == 1 and len(texts) == 3
    assert re.search(
        r"每人每分钟最多 2 个问题，这之后的问题没有回答。请在 \d+ 秒后再问", limited[0]
    )
    assert "6550亩" in html_messages(api, 1002)[0]


def test_non_text_and_bad_questions_get_helpful_replies(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    with running(engine, config):
        api.push(sticker_update())
        api.push(photo_update(user_id=1002))
        api.push(message_update("问" * 600, user_id=1003))
        api.push(message_update("👍👍👍", user_id=1004))
        api.push(message_update("/ask", user_id=1005))
        api.push(message_update("/weather", user_id=1006))
        api.push(message_update("/district 火星区", user_id=1007))
        replies = {uid: check_html(api.wait_sent(uid, 1)[0]["text"]) for uid in range(1001, 1008)}
    assert "贴纸" in replies[1001] and engine.examples()[0] in replies[1001]
    assert "图片" in replies[1002]
    assert "问题太长了（600 字，上限 500 字）" in replies[1003]
    assert "没有可以检索的文字" in replies[1004]
    assert "请在命令后面写上问题" in replies[1005]
    assert "/help" in replies[1006]
    assert "不认识这个地区：火星区" in replies[1007] and "北辰区" in replies[1007]


class FlakyEngine:
    """The real engine, except that a question containing 炸 blows up."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def ask(self, question: str, **kwargs: Any) -> Any:
        if "炸" in question:
            raise RuntimeError("simulated failure")
        return self._engine.ask(question, **kwargs)


def test_handler_error_apologises_logs_safely_and_bot_keeps_working(
    engine: Engine, api: FakeBotAPI, config: BotConfig, caplog: pytest.LogCaptureFixture
) -> None:
    secret_question = "炸药库在哪里？"
    caplog.set_level(logging.DEBUG)
    with running(FlakyEngine(engine), config):
        api.push(message_update(secret_question))
        [apology] = api.wait_sent(1001, 1)
        api.push(message_update(QUESTION))
        api.wait_sent(1001, 2)
    assert "抱歉" in check_html(apology["text"])
    assert "6550亩" in api.sent(1001)[1]["text"], "the bot keeps answering after an error"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and "RuntimeError" in errors[0].getMessage()
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text
    info = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert not any(secret_question in r.getMessage() for r in info)


def test_a_user_who_blocked_the_bot_is_one_warning_line(
    engine: Engine, api: FakeBotAPI, config: BotConfig, caplog: pytest.LogCaptureFixture
) -> None:
    api.block("sendMessage")
    caplog.set_level(logging.INFO)
    with running(engine, config):
        api.push(message_update(QUESTION))
        api.wait_for(lambda a: a.requests("sendMessage"), what="the refused answer")
        api.push(message_update(QUESTION, user_id=1002))
        api.wait_sent(1002, 1)
    routine = [r for r in caplog.records if "Forbidden" in r.getMessage()]
    assert routine and all(r.levelno == logging.WARNING and not r.exc_info for r in routine)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert api.sent(1001) == [], "no apology to someone who blocked the bot"


def test_replies_to_a_deleted_question_are_sent_all_the_same(
    engine: Engine, api: FakeBotAPI, config: BotConfig, caplog: pytest.LogCaptureFixture
) -> None:
    """Item 10: a question deleted before its reply still gets it (answer, short reply,
    allow-list refusal, apology), and nothing is logged as an ERROR but the failure itself."""

    def deleted(update: dict[str, Any]) -> dict[str, Any]:
        message = update["message"]
        api.deleted.add((message["chat"]["id"], message["message_id"]))
        return update

    caplog.set_level(logging.INFO)
    with running(FlakyEngine(engine), replace(config, allow=frozenset({1001}))):
        api.push(deleted(message_update(QUESTION)))
        api.push(deleted(message_update("/help")))
        api.push(deleted(message_update("炸药库在哪里？")))
        api.push(deleted(message_update(QUESTION, user_id=1002)))
        replies = " ".join(m["text"] for m in api.wait_sent(1001, 3))
        [refused] = api.wait_sent(1002, 1)
    assert "6550亩" in replies and "/ask" in replies and "抱歉" in replies
    assert "只对受邀用户开放" in refused["text"]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["error while handling update 3: RuntimeError"], errors
    assert "not found" not in caplog.text


def test_flood_control_and_network_errors_are_retried(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    api.flood("sendMessage", retry_after=1)
    api.drop("sendMessage")
    api.flood("answerCallbackQuery", retry_after=1)
    with running(engine, config):
        api.push(message_update(QUESTION))
        [sent] = api.wait_sent(1001, 1)
        api.push(callback_update(buttons(sent)[0]["callback_data"], sent))
        api.wait_sent(1001, 2)
    attempts = api.requests("sendMessage")
    assert [c.params.get("_failed", False) for c in attempts[:3]] == [True, True, False]
    assert "6550亩" in attempts[2].params["text"]
    assert [c.params.get("_failed", False) for c in api.requests("answerCallbackQuery")] == [
        True,
        False,
    ]


def test_district_filter_and_buttons_survive_a_restart(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    with running(engine, config):
        api.push(message_update("/district 东丽"))
        api.wait_sent(1001, 1)
        api.push(message_update(QUESTION))  # an answer whose button we press after the restart
        before = api.wait_sent(1001, 2)[1]
    assert "东丽区" in check_html(api.sent(1001)[0]["text"])
    assert config.state_path.exists()

    with running(engine, config):  # a new Application on the same state file
        api.push(message_update("怎么治理污染？"))
        answer = api.wait_sent(1001, 3)[2]
        api.push(callback_update(button(before, "更多结果 ›"), before))
        api.wait_for(
            lambda a: "第 4–6 条结果" in a.shown(1001, before["_message_id"])["text"], what="page"
        )
        api.push(callback_update("pg:0123456789ab:1", before))
        api.push(callback_update("pg:nothex!:1", before))  # forged payloads
        api.push(callback_update("fb:" + "0" * 12 + ":" + "x" * 300, before))
        api.wait_for(lambda a: len(a.requests("answerCallbackQuery")) >= 4)
        api.push(message_update("/district"))
        current = api.wait_sent(1001, 4)[3]
    text = check_html(answer["text"])
    assert "地区：东丽区" in text
    citations = re.findall(r"— (\S+?)（", text)
    assert citations and set(citations) == {"东丽区"}
    for expired in api.requests("answerCallbackQuery")[1:4]:
        assert "过期" in expired.params["text"] and expired.params["show_alert"] == "true"
    assert "当前查找范围：东丽区" in check_html(current["text"])


def test_webhook_mode_receives_updates_on_its_own_endpoint(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/qabot-hook"
    config = replace(config, webhook_url=url, listen="127.0.0.1", port=port)
    with running(engine, config):
        api.wait_for(lambda a: a.requests("setWebhook"), what="setWebhook")
        registered = api.requests("setWebhook")[0].params
        assert registered["url"] == url
        assert registered["secret_token"] == config.webhook_secret
        update = json.dumps({"update_id": 77, **message_update(QUESTION)}).encode()

        def post(secret: str) -> int:
            request = urllib.request.Request(
                url,
                data=update,
                headers={
                    "Content-Type": "application/json",
                    "X-Telegram-Bot-Api-Secret-Token": secret,
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.status
            except urllib.error.HTTPError as exc:
                return exc.code

        assert post("wrong-secret") == 403
        assert post(config.webhook_secret) == 200
        [sent] = api.wait_sent(1001, 1)
    assert "6550亩" in check_html(sent["text"])
    assert not api.requests("getUpdates"), "webhook mode never polls"


# ---------------------------------------------------------------------------- startup errors


def test_missing_or_malformed_token_is_a_clear_usage_error() -> None:
    with pytest.raises(UsageError, match=r"TELEGRAM_BOT_TOKEN is not set.*BotFather"):
        read_token({})
    bad = "12345:not a token, but secret"
    with pytest.raises(UsageError, match="malformed") as caught:
        read_token({"TELEGRAM_BOT_TOKEN": bad})
    assert bad not in str(caught.value) and "secret" not in str(caught.value)
    assert read_token({"TELEGRAM_BOT_TOKEN": f" {TOKEN}\n"}) == TOKEN


def test_cli_checks_the_token_before_loading_the_model(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not a token")
    monkeypatch.setattr(Engine, "open", lambda *a, **k: pytest.fail("engine loaded before check"))
    args = argparse.Namespace(
        state=None, allow=None, rate_limit=None, webhook_url=None, listen="127.0.0.1", port=8443
    )
    settings = Settings(docs=tmp_path, index=tmp_path, embedder="e5-small")
    with pytest.raises(UsageError, match="malformed") as caught:
        run_from_cli(args, settings)
    assert "not a token" not in str(caught.value)
    assert caught.value.exit_code == 2


def test_token_rejected_by_the_server_is_a_usage_error(
    engine: Engine, api: FakeBotAPI, config: BotConfig, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "987654321:" + "B" * 35
    bot = BotThread(engine, replace(config, token=wrong)).start()
    with pytest.raises(UsageError, match="rejected") as caught:
        bot.stop()
    assert wrong not in str(caught.value) and wrong not in caplog.text


# ---------------------------------------------------------------------------- units


def test_split_html_reopens_tags_and_never_cuts_entities() -> None:
    text = (
        "<b>标题</b>\n\n<blockquote expandable>" + "北辰&amp;东丽，句子。" * 900 + "</blockquote>"
    )
    parts = split_html(text, limit=1000)
    assert len(parts) > 5
    for part in parts:
        assert utf16_len(check_html(part)) <= 1000
    assert parts[0] == "<b>标题</b>", "the paragraph break is the first choice"
    assert all(p.startswith("<blockquote expandable>") for p in parts[1:])
    visible = "".join(html.unescape(re.sub(r"<[^>]+>", "", p)) for p in parts[1:])
    assert visible == "北辰&东丽，句子。" * 900
    assert split_html("短消息") == ["短消息"]


def test_split_html_counts_what_telegram_counts_and_keeps_a_citation_with_its_text() -> None:
    """Item 10: the limit is on the parsed text (an escaped ``&lt;`` is one character), and a
    long paragraph's 41-character citation is not sent as a message of its own."""
    escaped = render_paragraph("北辰区 · 区委书记 冯卫华 · 2020", "a<b" * 1300)
    assert len(escaped) > TELEGRAM_LIMIT and split_html(escaped) == [escaped], "3,900 shown"
    citation = "北辰区（天津市）· 区委书记 冯卫华 · 2020 · 《冯卫华专访》 · 第9段"
    assert len(citation) == 41
    parts = split_html(render_paragraph(citation, "粮食生产稳中有升，种植春小麦6550亩。" * 230))
    assert len(parts) == 2 and citation in parts[0]
    assert min(utf16_len(check_html(part)) for part in parts) > 41 * 2
    assert all(utf16_len(check_html(part)) <= TELEGRAM_LIMIT for part in parts)


def test_renderer_escapes_everything(engine: Engine) -> None:
    answer = engine.ask(QUESTION)
    record = answer_record(answer)
    record["answer"] = "<script>alert('x')</script> & 1 < 2"
    record["lines"] = [record["answer"]]
    record["passages"][0]["excerpt"] = "<b>不是标签</b>&nbsp;"
    record["passages"][0]["citation"] = "A & B <i>"
    text = render_page(record, 0, 3, engine.districts)
    visible = check_html(text)
    assert "<script>alert('x')</script> & 1 < 2" in visible
    assert "<b>不是标签</b>&nbsp;" in visible and "A & B <i>" in visible


def test_answer_value_in_bold_and_measures_as_a_list(engine: Engine) -> None:
    quantity = render_page(answer_record(engine.ask(QUESTION)), 0, 3, engine.districts)
    assert "<b>6550亩</b>" in quantity
    check_html(quantity)
    answer = engine.ask("北辰区有哪些举措保障粮食生产？")
    assert answer.answer_type == "measures" and len(answer.measures) > 1
    listed = render_page(answer_record(answer), 0, 3, engine.districts)
    bullets = [line for line in check_html(listed).splitlines() if line.startswith("• ")]
    assert len(bullets) == len(answer.measures)
    refused = render_page(answer_record(engine.ask("红桥区种了多少亩春小麦？")), 0, 3, [])
    assert "没有收录红桥区" in check_html(refused)


def test_configuration_parsing() -> None:
    assert api_base_url(None) == "https://api.telegram.org/bot"
    assert api_base_url("http://localhost:8081/") == "http://localhost:8081/bot"
    assert api_base_url("http://localhost:8081/bot") == "http://localhost:8081/bot"
    with pytest.raises(UsageError):
        api_base_url("localhost:8081")
    config = BotConfig(token=TOKEN, state_path=Path("x"), base_url="http://h:1/bot")
    assert config.base_file_url == "http://h:1/file/bot"
    assert TOKEN not in repr(config)
    assert parse_allow("1, -1002 3") == {1, -1002, 3}
    with pytest.raises(UsageError, match="numeric"):
        parse_allow("@someone")
    environ = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "QABOT_TELEGRAM_ALLOW": "5",
        "QABOT_TELEGRAM_RATE_LIMIT": "3",
    }
    config = BotConfig.from_env(Path("s"), allow="6", environ=environ)
    assert config.allow == {5, 6} and config.rate_limit == 3
    assert config.base_url == "https://api.telegram.org/bot"
    default = BotConfig.from_env(environ=environ)
    assert default.state_path == state_dir() / "telegram.sqlite3", "never in the index folder"


def test_rate_limit_window_and_log_redaction() -> None:
    now = [0.0]
    limit = QuestionRateLimit(2, clock=lambda: now[0])
    assert limit.check(1) == 0 and limit.check(1) == 0
    assert limit.check(1) == pytest.approx(60.0)
    now[0] = 45.0
    assert limit.check(1) == pytest.approx(15.0)
    now[0] = 60.0
    assert limit.check(1) == 0
    record = logging.LogRecord(
        "httpx", logging.INFO, "", 0, "POST %s", (f"https://x/bot{TOKEN}/getMe",), None
    )
    RedactToken(TOKEN).filter(record)
    assert TOKEN not in record.getMessage() and "<TOKEN>" in record.getMessage()
