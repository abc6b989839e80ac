"""Generated answers against a local fake OpenAI-compatible server: what is kept, dropped and
why, every fallback, the circuit breaker, the configuration (fast: the tiny engine)."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from qabot.engine import Engine
from qabot.errors import UsageError
from qabot.generation import LLMConfig
from qabot.generation.breaker import CircuitBreaker
from qabot.generation.facts import numbers
from qabot.generation.generator import Generator
from qabot.generation.verify import Verifier, split_sentences

from conftest import make_chunk, tiny_engine
from fake_llm import API_KEY, FakeLLM, Reply

QUESTION = "北辰区种了多少亩春小麦？"
FAITHFUL = "北辰区种植春小麦6550亩。[1] 这是为了扩大春播面积。[1]"
INVENTED = "北辰区种植春小麦6550亩。[1] 另外还种植玉米8000亩。[1]"


def generator_for(fake: FakeLLM, timeout: float = 5.0, **kwargs: Any) -> Generator:
    return Generator(LLMConfig(fake.base_url, "fake-model", API_KEY, timeout), **kwargs)


@pytest.fixture
def answer(tiny: Engine) -> dict[str, Any]:
    data = tiny.ask(QUESTION).to_dict()
    assert not data["no_answer"] and "6550亩" in data["passages"][0]["text"]
    assert "6550亩" not in data["passages"][1]["text"]
    return data


@pytest.mark.parametrize("streamed", [False, True])
def test_a_faithful_answer_is_kept_with_its_citations(
    fake: FakeLLM, answer: dict, streamed: bool
) -> None:
    fake.script(Reply(FAITHFUL))
    events = list(generator_for(fake).stream(answer, streamed=streamed))
    result = events[-1][1]
    assert result.status == "ok"
    assert result.text == "北辰区种植春小麦6550亩。[1]这是为了扩大春播面积。[1]"
    assert result.dropped == [] and result.notice == ""
    assert [e for e, _ in events] == ["sentence", "sentence", "done"]
    request = fake.requests[-1]
    assert request["stream"] is streamed and request["model"] == "fake-model"
    assert request["authorization"] == f"Bearer {API_KEY}"
    prompt = request["messages"][1]["content"]
    assert QUESTION in prompt and "Answer type: quantity" in prompt
    assert "[1] (北辰区（天津市） · 2020 · 《北辰区报告》)" in prompt
    assert (
        "cite" in request["messages"][0]["content"]
        and "Chinese" in request["messages"][0]["content"]
    )


def test_an_invented_number_is_dropped_and_never_shown(fake: FakeLLM, answer: dict) -> None:
    fake.script(Reply(INVENTED))
    events = list(generator_for(fake).stream(answer))
    shown = "".join(v for e, v in events if e == "sentence")
    result = events[-1][1]
    assert "8000" not in shown and "8000" not in result.text
    assert result.dropped == [
        {"sentence": "另外还种植玉米8000亩。[1]", "reason": "number not in [1]: 8000亩"}
    ]
    assert result.notice == "删去了1句无法在引用段落中核对的句子。"


def test_a_wrong_citation_is_dropped_and_the_extractive_answer_stands(
    fake: FakeLLM, answer: dict
) -> None:
    fake.script(Reply("北辰区种植春小麦6550亩。[2]"))
    result = generator_for(fake).generate(answer)
    assert result.text is None and result.status == "all_dropped"
    assert result.dropped[0]["reason"] == "number not in [2]: 6550亩"
    assert result.notice.endswith("以下是摘录的答案。")


def test_a_citation_of_no_passage_is_dropped(fake: FakeLLM, answer: dict) -> None:
    fake.script(Reply("北辰区种植春小麦6550亩。[9]"))
    result = generator_for(fake).generate(answer)
    assert result.dropped[0]["reason"] == "cites [9]: no such passage"


def test_an_answer_in_the_wrong_language_is_dropped(fake: FakeLLM, answer: dict) -> None:
    fake.script(Reply("Beichen planted 6,550 mu of spring wheat [1]."))
    result = generator_for(fake).generate(answer)
    assert result.text is None
    assert result.dropped[0]["reason"] == "wrong language: en, the question is zh"


def test_an_english_question_gets_an_english_answer_checked_by_value(fake: FakeLLM) -> None:
    english = tiny_engine().ask("How many mu of spring wheat did 北辰区 plant?").to_dict()
    english["no_answer"] = False  # the engine's English handling is another issue's
    fake.script(
        Reply("Beichen District planted 6,550 mu of spring wheat [1]. It planted 9,000 mu [1].")
    )
    result = generator_for(fake).generate(english)
    assert result.text == "Beichen District planted 6,550 mu of spring wheat [1]."
    assert result.dropped[0]["reason"] == "number not in [1]: 9,000 mu"


def test_a_model_that_ignores_the_citation_format_falls_back(fake: FakeLLM, answer: dict) -> None:
    fake.script(Reply("北辰区种植春小麦6550亩。扩大了春播面积。"))
    result = generator_for(fake).generate(answer)
    assert result.text is None and result.status == "no_citations"
    assert result.notice == "模型没有标注引用，其回答未采用；以下是摘录的答案。"
    assert {d["reason"] for d in result.dropped} == {"no citation"}


def test_a_stream_cut_halfway_keeps_only_checked_sentences(fake: FakeLLM, answer: dict) -> None:
    fake.script(Reply(FAITHFUL, cut_after=8))  # 8 chunks of 3 characters: into sentence two
    events = list(generator_for(fake).stream(answer))
    result = events[-1][1]
    assert [v for e, v in events if e == "sentence"] == ["北辰区种植春小麦6550亩。[1]"]
    assert result.status == "cut" and result.text == "北辰区种植春小麦6550亩。[1]"
    assert result.dropped[-1]["reason"] == "stream cut"
    assert result.notice == "模型的回答中断了，只显示已核对的部分。"


def test_a_stream_cut_before_any_sentence_falls_back(fake: FakeLLM, answer: dict) -> None:
    fake.script(Reply(FAITHFUL, cut_after=2))
    result = list(generator_for(fake).stream(answer))[-1][1]
    assert result.text is None and result.status == "cut"
    assert result.notice == "模型的回答中断了，以下是摘录的答案。"


def test_a_429_falls_back_and_the_endpoint_is_left_alone_for_retry_after(
    fake: FakeLLM, answer: dict
) -> None:
    fake.script(Reply(status=429, headers={"Retry-After": "7"}), Reply(FAITHFUL))
    generator = generator_for(fake)
    result = generator.generate(answer)
    assert result.status == "rate_limited" and result.text is None
    assert result.notice == "模型服务限流，请7秒后再试；以下是摘录的答案。"
    again = generator.generate(answer)
    assert again.status == "circuit_open" and len(fake.requests) == 1


def test_a_hang_times_out_and_falls_back(fake: FakeLLM, answer: dict) -> None:
    fake.script(Reply(FAITHFUL, hang=5))
    started = time.monotonic()
    result = generator_for(fake, timeout=0.1).generate(answer)
    assert time.monotonic() - started < 2
    assert result.status == "timeout" and result.text is None
    assert result.notice == "模型在0.1秒内没有回答，以下是摘录的答案。"


@pytest.mark.parametrize(
    ("reply", "status"),
    [
        (Reply(raw=b'{"choices": [{"message": '), "malformed"),
        (Reply(raw=b'{"object": "error"}'), "malformed"),
        (Reply(""), "empty"),
        (Reply(" \n"), "empty"),
        (Reply(status=500), "http"),
    ],
)
def test_malformed_empty_and_failing_replies_fall_back(
    fake: FakeLLM, answer: dict, reply: Reply, status: str
) -> None:
    fake.script(reply)
    for streamed in (False, True):
        result = list(generator_for(fake).stream(answer, streamed=streamed))[-1][1]
        assert result.status == status and result.text is None
        assert result.notice.endswith("以下是摘录的答案。")


def test_an_unreachable_endpoint_falls_back(answer: dict) -> None:
    config = LLMConfig("http://127.0.0.1:9/v1", "m", timeout=2)
    result = Generator(config).generate(answer)
    assert result.status == "connect" and result.notice == "连不上模型服务，以下是摘录的答案。"


def test_a_refused_question_never_reaches_the_model(fake: FakeLLM, tiny: Engine) -> None:
    refused = tiny.ask("上海浦东新区的GDP是多少？").to_dict()
    assert refused["no_answer"]
    fake.script(Reply(FAITHFUL))
    result = generator_for(fake).generate(refused)
    assert result.status == "refused" and result.text is None and fake.requests == []


def test_the_breaker_opens_after_repeated_failures_and_closes_after_a_success(
    fake: FakeLLM, answer: dict
) -> None:
    now = [0.0]
    breaker = CircuitBreaker(threshold=2, cooldown=30, clock=lambda: now[0])
    generator = generator_for(fake, breaker=breaker)
    fake.script(Reply(status=503), Reply(status=503), Reply(FAITHFUL))
    assert [generator.generate(answer).status for _ in range(3)] == ["http", "http", "circuit_open"]
    assert len(fake.requests) == 2
    now[0] = 31.0
    assert generator.generate(answer).status == "ok"
    assert breaker.failures == 0 and breaker.remaining() == 0


def test_the_api_key_is_never_logged_nor_shown(
    fake: FakeLLM, answer: dict, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.script(Reply(status=401))
    generator = generator_for(fake)
    generator.generate(answer)
    assert API_KEY not in caplog.text and API_KEY not in repr(generator.config)


def test_configuration_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for name in ("QABOT_LLM_BASE_URL", "QABOT_LLM_MODEL", "QABOT_LLM_API_KEY", "QABOT_LLM_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    assert LLMConfig.from_env() is None
    monkeypatch.setenv("QABOT_LLM_BASE_URL", "http://localhost:11434/v1")
    with pytest.raises(UsageError, match="QABOT_LLM_MODEL"):
        LLMConfig.from_env()
    monkeypatch.setenv("QABOT_LLM_MODEL", "qwen2.5:7b")
    (tmp_path / "key").write_text("sk-from-file\n")
    monkeypatch.setenv("QABOT_LLM_API_KEY_FILE", str(tmp_path / "key"))
    config = LLMConfig.from_env(model="deepseek-chat")
    assert (config.model, config.api_key, config.timeout) == ("deepseek-chat", "sk-from-file", 20)
    assert config.endpoint == "http://localhost:11434/v1/chat/completions"
    monkeypatch.setenv("QABOT_LLM_TIMEOUT", "soon")
    with pytest.raises(UsageError, match="QABOT_LLM_TIMEOUT"):
        LLMConfig.from_env()
    with pytest.raises(UsageError, match="http"):
        LLMConfig.from_env(base_url="localhost:11434")


# ---------------------------------------------------------------------------- verification


def verifier(text: str, question: str = QUESTION) -> Verifier:
    chunk = make_chunk("beichen", 1, text, "北辰区")
    return Verifier({"question": question, "passages": [{"rank": 1, **chunk.to_dict()}]})


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("北辰区种植春小麦六千五百五十亩。[1]", ""),  # Chinese numerals normalised
        ("种植春小麦6,550亩。[1]", ""),
        ("种植春小麦0.655万亩。[1]", ""),
        ("种植春小麦6550吨。[1]", "number not in [1]: 6550吨"),  # the unit counts
        ("2020年北辰区种植春小麦。[1]", ""),  # the passage's date
        ("2019年北辰区种植春小麦。[1]", "year not in [1]: 2019年"),
        ("上海种植春小麦6550亩。[1]", "name not in [1]: 上海"),
        ("北辰区推行“小巷管家”制度。[1]", "quote not in [1]: 小巷管家"),
        ("北辰区说“扩大春播面积”。[1]", ""),
    ],
)
def test_each_fact_must_occur_in_the_cited_passage(sentence: str, reason: str) -> None:
    assert verifier("北辰区种植春小麦6550亩，扩大春播面积。").check(sentence).reason == reason


def test_sentences_are_cut_with_their_citations_even_while_streaming() -> None:
    assert split_sentences("甲6.5亩。[1]乙。【2、3】丙", final=False) == (
        ["甲6.5亩。[1]", "乙。【2、3】"],
        "丙",
    )
    assert split_sentences("甲。[1", final=False) == ([], "甲。[1")
    assert split_sentences("甲；乙。[1]", final=True) == (["甲；乙。[1]"], "")
    assert split_sentences("It grew 6.", final=False) == ([], "It grew 6.")
    assert verifier("乙").check("乙。【1、1】").sentence == "乙。[1][1]"


def test_numbers_keep_their_units_and_values() -> None:
    found = {
        (f.text, f.value, f.unit) for f in numbers("统一规划，百分之三十，3.13亿元，2 billion yuan")
    }
    assert found == {
        ("百分之三十", 30, "%"),
        ("3.13亿元", 313000000, "元"),
        ("2 billion yuan", 2e9, "元"),
    }
