"""The bot under load and crashes, against the loopback Bot API with Telegram-like flood
control: fairness (defects 1, 2), nothing lost in a burst (3), state kept across a
``kill -9`` of a real ``qabot telegram`` process (4), no duplicate answers, and start-up
without network (issue 8, item 14)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from qabot.engine import Engine
from qabot.settings import Settings
from qabot.telegram import BotConfig
from qabot.telegram.scheduler import Scheduler

from conftest import ROOT
from fake_bot_api import TOKEN, FakeBotAPI, callback_update, message_update, running

QUESTION = "北辰区种了多少亩春小麦？"


@pytest.fixture
def flooded() -> Iterator[FakeBotAPI]:
    """A fake Bot API that enforces 1 message a second per chat, burst 5, like Telegram."""
    server = FakeBotAPI(flood_control=(1.0, 5)).start()
    yield server
    server.close()


def test_a_429_in_one_chat_does_not_delay_another(
    engine: Engine, flooded: FakeBotAPI, config: BotConfig
) -> None:
    flooded.flood("sendMessage", retry_after=8)  # the first answer (chat 1001) gets a 429
    with running(engine, replace(config, base_url=flooded.base_url)):
        flooded.push(message_update(QUESTION, user_id=1001))
        flooded.wait_for(lambda a: a.requests("sendMessage"), what="the first attempt")
        flooded.push(message_update(QUESTION, user_id=1002))
        flooded.wait_sent(1001, 1, timeout=40)
    attempts = flooded.requests("sendMessage")
    throttled = [c for c in attempts if c.params.get("_failed")]
    assert len(throttled) == 1 and int(throttled[0].params["chat_id"]) == 1001
    delivered = [int(c.params["chat_id"]) for c in attempts if not c.params.get("_failed")]
    assert delivered == [1002, 1001], "chat 1002 was answered while chat 1001 waited"


def test_a_burst_of_fifteen_loses_nothing_and_keeps_order(
    engine: Engine, flooded: FakeBotAPI, config: BotConfig
) -> None:
    questions = [f"北辰区种了多少亩春小麦？第{n}问" for n in range(15)]
    with running(engine, replace(config, base_url=flooded.base_url, rate_limit=10)):
        ids = [flooded.push(message_update(q))["message"]["message_id"] for q in questions]
        flooded.wait_for(
            lambda a: any("提问太频繁" in m["text"] for m in a.sent(1001)),
            timeout=60,
            what="the refusal",
        )
    replies = [m for m in flooded.sent(1001) if not m["text"].startswith("排队中")]
    assert not any("抱歉" in m["text"] for m in replies), "no apology for a good question"
    assert sum("提问太频繁" in m["text"] for m in replies) == 1, "one refusal per burst"
    assert sum("6550亩" in m["text"] for m in replies) == 10
    quoted = [m["reply_parameters"]["message_id"] for m in replies]
    assert quoted == ids[:11], "answers, then the refusal, in the order of the questions"


def test_redelivered_update_is_answered_once(
    engine: Engine, flooded: FakeBotAPI, config: BotConfig
) -> None:
    with running(engine, replace(config, base_url=flooded.base_url)):
        update = flooded.push(message_update(QUESTION))
        flooded.wait_sent(1001, 1)
        flooded.push({k: v for k, v in update.items() if k != "update_id"})  # same message
        flooded.push(message_update("/help"))
        flooded.wait_sent(1001, 2)
    assert sum("6550亩" in m["text"] for m in flooded.sent(1001)) == 1


@pytest.mark.slow
def test_scheduler_keeps_short_questions_off_the_slow_lane() -> None:
    """Two workers: a slow job may take one, never both; each user's turns are FIFO."""

    async def scenario() -> tuple[list[str], list[int]]:
        scheduler = Scheduler(workers=2)
        done: list[str] = []

        def job(name: str, seconds: float) -> str:
            time.sleep(seconds)
            done.append(name)
            return name

        slow = [scheduler.run(lambda n=n: job(f"slow{n}", 0.6), slow=True) for n in range(3)]
        short = [scheduler.run(lambda n=n: job(f"short{n}", 0.01)) for n in range(5)]
        order: list[int] = []

        async def user_turn(n: int) -> None:
            async with scheduler.turn("user"):
                await asyncio.sleep(0.01 * (5 - n))  # later turns are quicker, still in order
                order.append(n)

        await asyncio.gather(*slow, *short, *(user_turn(n) for n in range(5)))
        scheduler.shutdown()
        return done, order

    done, order = asyncio.run(scenario())
    assert done[:5] == [f"short{n}" for n in range(5)], done
    assert order == [0, 1, 2, 3, 4]


# ---------------------------------------------------------------------------- real process


def _bot_process(api: FakeBotAPI, shipped: Settings, state: Path, *extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url if api else extra[0],
        "QABOT_STATE_DIR": str(state),
        "PYTHONPATH": str(ROOT),
    }
    args = [a for a in extra if not a.startswith("http")]
    command = [sys.executable, "-m", "qabot", "telegram", "--docs", str(shipped.docs)]
    return subprocess.Popen(
        [*command, "--index", str(shipped.index), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_kill_9_keeps_district_and_the_newest_buttons(
    shipped: Settings, api: FakeBotAPI, tmp_path: Path
) -> None:
    process = _bot_process(api, shipped, tmp_path)
    try:
        api.push(message_update("/district 和平"))
        api.wait_sent(1001, 1, timeout=120)
        api.push(message_update("怎样建设健康城区？"))
        answer = api.wait_sent(1001, 2)[1]
        time.sleep(1)  # the answer is stored before the next update is fetched
        process.send_signal(signal.SIGKILL)  # seconds after the answer: no graceful flush
        process.wait(10)
        process = _bot_process(api, shipped, tmp_path)
        api.push(message_update("/district"))
        current = api.wait_sent(1001, 3, timeout=120)[2]
        more = next(
            b
            for row in answer["reply_markup"]["inline_keyboard"]
            for b in row
            if "更多" in b["text"]
        )
        api.push(callback_update(more["callback_data"], answer))
        api.wait_for(
            lambda a: "第 4–6 条结果" in a.shown(1001, answer["_message_id"])["text"], what="page 2"
        )
    finally:
        process.kill()
        process.wait(10)
    assert "和平区" in answer["text"]
    assert "当前查找范围：和平区" in current["text"]
    alerts = [c.params.get("text") for c in api.requests("answerCallbackQuery")]
    assert not any(text and "过期" in text for text in alerts)
    assert len(api.sent(1001)) == 3, "nothing answered twice after the restart"


def test_no_network_at_startup_retries_then_exits_4(shipped: Settings, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    url = f"http://127.0.0.1:{port}/bot"
    started = time.monotonic()
    process = _bot_process(None, shipped, tmp_path, url, "--startup-wait", "3")  # type: ignore[arg-type]
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 4, stderr
    assert "Traceback" not in stderr
    assert (
        stderr.strip()
        .splitlines()[-1]
        .startswith("qabot: error: cannot reach the Telegram Bot API")
    )
    retries = [line for line in stderr.splitlines() if "unreachable" in line and "retrying" in line]
    assert len(retries) >= 2, "it retried with backoff before giving up"
    assert time.monotonic() - started >= 3
    assert TOKEN not in stderr


def _answers(api: FakeBotAPI, chat: int) -> list[dict]:
    """The replies quoting a question (not the 「排队中…」 notices)."""
    return [m for m in api.sent(chat) if m.get("reply_parameters") and "排队中" not in m["text"]]


def test_kill_9_with_questions_queued_answers_each_once_after_restart(
    shipped: Settings, tmp_path: Path
) -> None:
    """Issue 21 item 1: five questions at once (a 499-character one first), kill -9 after the
    first answer while the others are confirmed to Telegram but unanswered, restart."""
    api = FakeBotAPI(flood_control=(1.0, 1)).start()  # one message a second: a real queue
    long = ("北辰区如何稳定粮食生产，东丽区怎么治理污染？" * 30)[:499]
    questions = [long, QUESTION, "宝坻区交付了几个还迁小区？", "东丽区怎么治理污染？"]
    questions.append("谁是北辰区委书记？")
    process = _bot_process(api, shipped, tmp_path)
    try:
        ids = [api.push(message_update(q))["message"]["message_id"] for q in questions]
        api.wait_for(lambda a: _answers(a, 1001), timeout=180, what="the first answer")
        api.wait_for(lambda a: not a.unconfirmed(), what="every update confirmed")
        time.sleep(0.5)  # not in the instant between a reply's delivery and its "handled" mark
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        before = len(_answers(api, 1001))
        assert before < len(questions), "the kill came after every answer: nothing to test"
        process = _bot_process(api, shipped, tmp_path)
        api.wait_for(lambda a: len(_answers(a, 1001)) >= len(questions), timeout=180)
        api.push(message_update("/help"))  # handled after the replays: nothing more comes
        api.wait_for(lambda a: any("/ask" in m["text"] for m in a.sent(1001)), what="/help")
        time.sleep(2)
    finally:
        process.kill()
        process.wait(10)
        api.close()
    replies = _answers(api, 1001)
    quoted = sorted(m["reply_parameters"]["message_id"] for m in replies if "/ask" not in m["text"])
    assert quoted == ids, "every question answered exactly once"
    assert all("回答晚了" in m["text"] for m in replies[before : len(questions)])
    assert not any("回答晚了" in m["text"] for m in replies[:before])
