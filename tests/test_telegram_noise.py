"""One user must not stall or flood anyone (issue 21, items 3 and 8): inline typing is
debounced and superseded queries dropped; a flood gets one refusal, in order, with a true
retry time; the queue notice gives the question's position."""

from __future__ import annotations

import pytest

from qabot.engine import Engine
from qabot.telegram import BotConfig

from fake_bot_api import FakeBotAPI, inline_update, message_update, running

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
QUESTION = "北辰区种了多少亩春小麦？"


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
