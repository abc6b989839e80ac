"""Generated answers on the front ends, against the local fake model server: the CLI (``ask
--json``, ``ask --llm``, ``eval --llm``) and the HTTP API (``/api/ask``, ``?stream=1``). An
invented number never reaches what is shown; with no model configured nothing changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qabot import cli
from qabot.engine import Engine
from qabot.feedback import FeedbackStore
from qabot.generation import LLMConfig
from qabot.generation.frontend import stream_terminal
from qabot.generation.generator import Generator
from qabot.render import render_json, render_terminal

from conftest import tiny_engine
from fake_llm import API_KEY, FakeLLM, Reply

QUESTION = "北辰区种了多少亩春小麦？"
INVENTED = "北辰区种植春小麦6550亩。[1] 另外还种植玉米8000亩。[1]"
LLM_ENV = ("QABOT_LLM_BASE_URL", "QABOT_LLM_MODEL", "QABOT_LLM_API_KEY", "QABOT_LLM_TIMEOUT")


@pytest.fixture
def tiny_cli(monkeypatch: pytest.MonkeyPatch) -> Engine:
    """``qabot`` in-process on the tiny engine, with no model configured."""
    engine = tiny_engine()
    monkeypatch.setattr(Engine, "open", classmethod(lambda cls, *a, **k: engine))
    for name in LLM_ENV:
        monkeypatch.delenv(name, raising=False)
    return engine


def configure(monkeypatch: pytest.MonkeyPatch, fake: FakeLLM) -> None:
    monkeypatch.setenv("QABOT_LLM_BASE_URL", fake.base_url)
    monkeypatch.setenv("QABOT_LLM_MODEL", "fake-model")
    monkeypatch.setenv("QABOT_LLM_API_KEY", API_KEY)


def without_latency(line: str) -> dict[str, Any]:
    data = json.loads(line)
    data.pop("latency_ms")
    return data


# ---------------------------------------------------------------------------- CLI


def test_without_a_model_the_cli_prints_what_it_printed_before(
    tiny_cli: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = tiny_cli.ask(QUESTION)
    assert cli.main(["ask", QUESTION, "--json"]) == 0
    out = capsys.readouterr().out
    assert without_latency(out) == without_latency(render_json(answer))
    assert "generated" not in json.loads(out)
    assert cli.main(["ask", QUESTION]) == 0
    assert capsys.readouterr().out == render_terminal(answer, tiny_cli.districts) + "\n"


def test_ask_json_adds_the_checked_fields(
    tiny_cli: Engine, fake: FakeLLM, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    configure(monkeypatch, fake)
    fake.script(Reply(INVENTED))
    assert cli.main(["ask", QUESTION, "--json"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["answer"] == tiny_cli.ask(QUESTION).answer  # the extractive line stays
    assert data["generated"] == "北辰区种植春小麦6550亩。[1]"
    assert data["generated_dropped"] == [
        {"sentence": "另外还种植玉米8000亩。[1]", "reason": "number not in [1]: 8000亩"}
    ]
    assert data["model"] == "fake-model" and API_KEY not in out + err


def test_ask_llm_prints_the_generated_text_then_the_extractive_answer(
    tiny_cli: Engine, fake: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.script(Reply(INVENTED))
    flags = ["--llm", "--llm-base-url", fake.base_url, "--llm-model", "fake-model"]
    assert cli.main(["ask", QUESTION, *flags]) == 0
    out = capsys.readouterr().out
    extractive = render_terminal(tiny_cli.ask(QUESTION), tiny_cli.districts)
    assert out == (
        "模型回答（fake-model，已逐句核对引用）：\n北辰区种植春小麦6550亩。[1]\n"
        "（删去了1句无法在引用段落中核对的句子。）\n" + extractive + "\n"
    )
    assert fake.requests[0]["stream"] is True and "8000" not in out


def test_the_terminal_cites_the_numbers_its_sources_are_printed_under(
    fake: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = tiny_engine()
    answer = engine.ask(QUESTION)
    assert "垃圾分类" in answer.passages[1].chunk.text
    answer.passages[1].merged_into = 1  # a second piece of the first passage's paragraph
    fake.script(Reply("北辰区种植春小麦6550亩。[1][2] 北辰区推进垃圾分类。[2]"))
    result = stream_terminal(Generator(LLMConfig(fake.base_url, "fake-model")), answer)
    assert result.text == "北辰区种植春小麦6550亩。[1][2]北辰区推进垃圾分类。[2]"  # the ranks
    printed = capsys.readouterr().out
    assert printed.endswith("北辰区种植春小麦6550亩。[1]北辰区推进垃圾分类。[1]\n")
    assert "[2]" not in render_terminal(answer, engine.districts)  # one source: [1]


def test_a_failing_model_gives_the_extractive_answer_and_one_notice_line(
    tiny_cli: Engine, fake: FakeLLM, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    configure(monkeypatch, fake)
    monkeypatch.setenv("QABOT_LLM_TIMEOUT", "0.1")
    fake.script(Reply(hang=3))
    assert cli.main(["ask", QUESTION]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("（模型在0.1秒内没有回答，以下是摘录的答案。）\n地区：北辰区\n答：")
    assert err == ""


def test_llm_without_a_model_is_a_usage_error(tiny_cli: Engine, capsys: Any) -> None:
    assert cli.main(["ask", QUESTION, "--llm"]) == 2
    assert "QABOT_LLM_BASE_URL" in capsys.readouterr().err


def test_eval_llm_reports_dropped_sentences_and_answer_hit(
    tiny_cli: Engine, fake: FakeLLM, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any
) -> None:
    configure(monkeypatch, fake)
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"id": "q1", "question": QUESTION, "answers": ["种植春小麦6550亩"]}) + "\n",
        encoding="utf-8",
    )
    fake.script(Reply(INVENTED))
    assert cli.main(["eval", str(questions), "--llm", "--json"]) == 0
    llm = json.loads(capsys.readouterr().out)["llm"]
    assert llm == {
        "model": "fake-model",
        "questions": 1,
        "generated": 1,
        "status": {"ok": 1},
        "sentences": 2,
        "dropped": 1,
        "dropped_share": 0.5,
        "dropped_by_reason": {"number not in": 1},
        "answer_hit_generated": 1.0,
        "answer_hit_extractive": 1.0,
    }


# ---------------------------------------------------------------------------- HTTP API


def client_for(engine: Engine, tmp_path: Path, generator: Generator | None) -> Any:
    from fastapi.testclient import TestClient

    from qabot.web import WebSettings, create_app

    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    return TestClient(create_app(engine, WebSettings(), store, generator=generator))


def events(body: str) -> list[tuple[str, Any]]:
    found = []
    for block in body.strip().split("\n\n"):
        name, data = block.split("\n")
        found.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return found


def test_api_ask_adds_the_fields_and_streams_checked_sentences(
    fake: FakeLLM, tmp_path: Path
) -> None:
    pytest.importorskip("fastapi")
    generator = Generator(LLMConfig(fake.base_url, "fake-model", API_KEY))
    fake.script(Reply(INVENTED))
    with client_for(tiny_engine(), tmp_path, generator) as client:
        data = client.post("/api/ask", json={"question": QUESTION}).json()
        assert data["generated"] == "北辰区种植春小麦6550亩。[1]" and data["model"] == "fake-model"
        assert data["generated_dropped"][0]["reason"] == "number not in [1]: 8000亩"
        response = client.post("/api/ask?stream=1", json={"question": QUESTION})
    assert response.headers["content-type"].startswith("text/event-stream")
    stream = events(response.text)
    assert [name for name, _ in stream] == ["answer", "sentence", "dropped", "done"]
    assert stream[0][1]["answer"] == data["answer"] and "generated" not in stream[0][1]
    assert stream[1][1] == {"text": "北辰区种植春小麦6550亩。[1]"}
    assert stream[3][1]["generated"] == data["generated"]
    shown = [v["text"] for name, v in stream if name == "sentence"] + [stream[3][1]["generated"]]
    assert not any("8000" in text for text in shown)


def test_api_without_a_model_is_unchanged(tmp_path: Path) -> None:
    pytest.importorskip("fastapi")
    engine = tiny_engine()
    with client_for(engine, tmp_path, None) as client:
        data = client.post("/api/ask", json={"question": QUESTION}).json()
        stream = events(client.post("/api/ask?stream=1", json={"question": QUESTION}).text)
    data.pop("latency_ms")
    assert data == without_latency(render_json(engine.ask(QUESTION)))
    assert [name for name, _ in stream] == ["answer", "done"]
    assert stream[1][1]["generated"] is None


def test_on_the_real_index_a_copied_answer_is_kept_and_an_invention_dropped(
    engine: Engine, fake: FakeLLM
) -> None:
    """The shipped corpus, real retrieval: the extractive line sent back as the model's reply
    passes verification sentence for sentence; an invented figure and name do not."""
    answer = engine.ask("北辰区种了多少亩春小麦？").to_dict()
    invented = "北辰区还种植了玉米12000亩。[1] 上海市也种植了春小麦。[1]"
    fake.script(Reply(answer["answer"] + invented))
    result = Generator(LLMConfig(fake.base_url, "fake-model")).generate(answer)
    assert result.text == answer["answer"]
    assert [d["reason"] for d in result.dropped] == [
        "number not in [1]: 12000亩",
        "name not in [1]: 上海市",
    ]
