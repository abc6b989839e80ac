"""Nothing lost (issue 21, items 1 and 7): long flood control is waited out, a reply still
waiting when the bot stops stays pending and is answered (late, and saying so) at the next
start, and a pending question older than the limit is dropped."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from qabot.engine import Engine
from qabot.errors import UsageError
from qabot.telegram import BotConfig
from qabot.telegram.config import PENDING_MAX_AGE_ENV, parse_seconds
from qabot.telegram.state import ChatState

from fake_bot_api import FakeBotAPI, message_update, running

QUESTION = "北辰区种了多少亩春小麦？"


def _answers(api: FakeBotAPI) -> list[dict]:
    return [m for m in api.sent(1001) if "排队中" not in m["text"]]


def test_forty_consecutive_429s_then_the_answers_arrive(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    api.flood("sendMessage", retry_after=1, times=40)
    with running(engine, config):
        first = api.push(message_update(QUESTION))["message"]["message_id"]
        second = api.push(message_update("宝坻区交付了几个还迁小区？"))["message"]["message_id"]
        api.wait_for(lambda a: len(_answers(a)) >= 2, timeout=150, what="two answers")
    failed = [c for c in api.requests("sendMessage") if c.params.get("_failed")]
    assert len(failed) == 40
    quoted = [m["reply_parameters"]["message_id"] for m in _answers(api)]
    assert quoted == [first, second], "both answered, once each, in order"
    assert "6550亩" in _answers(api)[0]["text"]


def test_a_reply_waiting_out_flood_control_at_stop_is_answered_after_restart(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    """retry_after of an hour: the graceful stop does not hang, nor does it drop the answer."""
    api.flood("sendMessage", retry_after=3600)
    with running(engine, config):
        asked = api.push(message_update(QUESTION))["message"]["message_id"]
        api.wait_for(lambda a: a.requests("sendMessage"), timeout=60, what="the 429")
        started = time.monotonic()
    assert time.monotonic() - started < 10, "stopping did not wait for the hour"
    assert not api.sent(1001)
    with running(engine, config):
        reply = api.wait_sent(1001, 1, timeout=60)[0]
        time.sleep(1)
    assert reply["reply_parameters"]["message_id"] == asked
    assert "回答晚了" in reply["text"] and "6550亩" in reply["text"]
    assert len(api.sent(1001)) == 1


def test_a_pending_question_older_than_the_limit_is_dropped(
    engine: Engine, api: FakeBotAPI, config: BotConfig
) -> None:
    config = replace(config, pending_max_age=600)
    state = ChatState(config.state_path)
    for update_id, age in ((901, 3600), (902, 60)):
        update = {"update_id": update_id, **message_update(QUESTION)}
        state.receive(update_id, update)
        state._run(
            "UPDATE pending SET received = ? WHERE update_id = ?", (time.time() - age, update_id)
        )
    state.close()
    with running(engine, config):
        api.wait_sent(1001, 1, timeout=60)
        time.sleep(1)
    assert len(api.sent(1001)) == 1, "only the recent one"
    assert ChatState(config.state_path).pending() == []


def test_pending_max_age_setting_is_checked() -> None:
    assert parse_seconds(PENDING_MAX_AGE_ENV, "") > 3600
    assert parse_seconds(PENDING_MAX_AGE_ENV, "90") == 90
    for bad in ("soon", "0", "-5", "nan"):
        with pytest.raises(UsageError, match=PENDING_MAX_AGE_ENV):
            parse_seconds(PENDING_MAX_AGE_ENV, bad)


def test_forget_also_deletes_the_chats_questions_not_yet_answered(tmp_path: Path) -> None:
    """/forget deletes what the bot keeps of a chat, the queued questions' text included:
    they are not answered after a restart, and other chats' are."""
    state = ChatState(tmp_path / "state.sqlite3")
    mine = [message_update(QUESTION), message_update("你好", edit_of=message_update("你"))]
    other = message_update(QUESTION, user_id=1002)
    for update_id, update in enumerate([*mine, other], start=1):
        state.receive(update_id, {"update_id": update_id, **update})
    state.forget(1001)
    assert [update_id for update_id, _, _ in state.pending()] == [3]
