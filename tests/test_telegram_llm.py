"""Generated answers in Telegram (issue 20), against the fake Bot API and the fake model
server: the checked sentences are streamed into the answer's message by edits, at most one a
second; an invented figure never reaches the chat, not even in an intermediate edit; a 429 on
an edit and a stream cut midway still end with a complete, honest message."""

from __future__ import annotations

import itertools
import re
from typing import Any

from qabot.engine import Engine
from qabot.generation import LLMConfig
from qabot.generation.generator import Generator
from qabot.telegram import BotConfig

from fake_bot_api import BotThread, FakeBotAPI, message_update
from fake_llm import FakeLLM, Reply

QUESTION = "北辰区种了多少亩春小麦？"
INVENTED = "北辰区还种植了玉米12000亩。[1]"


def ask(engine: Engine, api: FakeBotAPI, config: BotConfig, fake: FakeLLM) -> dict[str, Any]:
    """Ask QUESTION with the model configured; what the answer's message finally shows."""
    generator = Generator(LLMConfig(fake.base_url, "fake-model"))
    with BotThread(engine, config, generator=generator):
        api.push(message_update(QUESTION))
        [sent] = api.wait_sent(1001, 1, timeout=60)
        key = (1001, sent["_message_id"])
        api.wait_for(lambda a: "正在生成" not in a.shown(*key)["text"], timeout=60, what="end")
    return {"sent": sent, **api.shown(*key)}


def generated_part(text: str) -> str:
    """The model's block of an answer message: from its heading to the extractive line."""
    return text[text.index("模型回答") : text.index("<b>答：</b>")]


def every_text(api: FakeBotAPI) -> list[str]:
    calls = api.requests("sendMessage") + api.requests("editMessageText")
    return [c.params["text"] for c in calls]


def test_checked_sentences_are_streamed_by_edits_at_most_one_a_second(
    engine: Engine, api: FakeBotAPI, config: BotConfig, fake: FakeLLM
) -> None:
    line = engine.ask(QUESTION).to_dict()["answer"]  # copied from passage [1]: it checks
    fake.script(Reply(line * 3 + INVENTED + line, chunk_chars=8, delay=0.1))
    final = ask(engine, api, config, fake)
    assert (
        "模型回答</b>（fake-model" in final["sent"]["text"] and "正在生成" in final["sent"]["text"]
    )
    shown = final["text"]
    assert generated_part(shown).count("6550亩") == 4, "the extractive line under it"
    assert "删去了1句" in generated_part(shown) and "[1] 全文" in str(final["reply_markup"])
    assert not any("12000" in text for text in every_text(api)), "never shown, not even once"
    edits = [c.at for c in api.requests("editMessageText") if not c.params.get("_failed")]
    assert len(edits) >= 3, "the text grew in several edits"
    assert min(b - a for a, b in itertools.pairwise(edits)) >= 0.95, "≤ 1 edit a second"


def test_a_429_on_an_edit_is_waited_out_and_the_last_edit_made(
    engine: Engine, api: FakeBotAPI, config: BotConfig, fake: FakeLLM
) -> None:
    line = engine.ask(QUESTION).to_dict()["answer"]
    fake.script(Reply(line * 2, chunk_chars=8, delay=0.1))
    api.flood("editMessageText", retry_after=2, times=2)
    final = ask(engine, api, config, fake)
    assert len([c for c in api.requests("editMessageText") if c.params.get("_failed")]) == 2
    assert generated_part(final["text"]).count("6550亩") == 2 and "删去" not in final["text"]


def test_a_cut_stream_keeps_the_checked_part_and_says_so(
    engine: Engine, api: FakeBotAPI, config: BotConfig, fake: FakeLLM
) -> None:
    line = engine.ask(QUESTION).to_dict()["answer"]
    chunks = -(-len(line) // 8)
    fake.script(Reply(line * 3, chunk_chars=8, cut_after=chunks + 3))  # inside sentence two
    final = ask(engine, api, config, fake)
    assert generated_part(final["text"]).count("6550亩") == 1, "the one checked sentence"
    assert "模型的回答中断了，只显示已核对的部分。" in generated_part(final["text"])


def test_a_failing_model_leaves_the_extractive_answer_with_one_line(
    engine: Engine, api: FakeBotAPI, config: BotConfig, fake: FakeLLM
) -> None:
    fake.script(Reply(status=429, headers={"Retry-After": "30"}))
    final = ask(engine, api, config, fake)
    notice = "<i>模型服务限流，请30秒后再试；以下是摘录的答案。</i>\n\n<b>答：</b>"
    assert notice in final["text"] and "模型回答" not in final["text"]
    assert re.search(r"<b>答：</b>.*6550亩", final["text"])
