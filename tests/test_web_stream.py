"""Generated answers on the chat page (issue 20), in a real headless Chromium against ``qabot
serve`` on the shipped index and the local fake model server: the page streams the checked
sentences (server-sent events), renumbers their citations like the sources it shows (two
pieces of one paragraph are one source), never shows an invented figure, and on every fault
(a stream cut or malformed halfway, a 429, a hang) keeps what was checked, says why in one
line and keeps the extractive answer."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install '.[web]'")
pytest.importorskip("selenium", reason="selenium is not installed")

from selenium.webdriver.common.by import By

from qabot.engine import Settings

from browser import ask, needs_chromium, open_browser, waiter
from conftest import serving
from fake_llm import API_KEY, FakeLLM, Reply

pytestmark = needs_chromium
browser = pytest.fixture(open_browser)

#: the line of this answer cites the third passage, the second piece of the first one's
#: paragraph merged away: the page shows it as source 2 (k = 9, as the page asks)
QUESTION = "“通宝唐”合作框架协议是哪个区在推进？有什么内容？"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeLLM]:
    with FakeLLM().running() as server:
        yield server


@pytest.fixture(scope="module")
def server(
    shipped: Settings, fake: FakeLLM, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict]:
    env = {
        "QABOT_LLM_BASE_URL": fake.base_url,
        "QABOT_LLM_MODEL": "fake-model",
        "QABOT_LLM_API_KEY": API_KEY,
        "QABOT_LLM_TIMEOUT": "3",
    }
    with serving(shipped, tmp_path_factory.mktemp("state"), env) as running:
        yield running


def api_answer(url: str, fake: FakeLLM) -> dict:
    """The answer object the page will get (the model's reply to this call is not used)."""
    fake.script(Reply("无关。"))
    body = json.dumps({"question": QUESTION, "k": 9}).encode()
    request = urllib.request.Request(f"{url}/api/ask", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def generated_turn(driver: object, question: str) -> tuple[str, str, str]:
    """Ask through the page and wait for the model's part to finish: the generated text,
    its notice and the extractive line."""
    ask(driver, question)
    turn = ".turn:last-child"
    waiter(driver, 60).until(
        lambda d: (
            d.find_elements(By.CSS_SELECTOR, f"{turn} .with-generated")
            and not d.find_elements(By.CSS_SELECTOR, f"{turn} .writing")
        )
    )
    answer = driver.find_element(By.CSS_SELECTOR, turn)
    parts = (".answer.generated", ".with-generated > .notice", ".answer:not(.generated)")
    texts = [[e.text for e in answer.find_elements(By.CSS_SELECTOR, part)] for part in parts]
    return tuple(found[0] if found else "" for found in texts)  # type: ignore[return-value]


def test_the_page_streams_checked_sentences_with_the_shown_citation_numbers(
    server: dict, fake: FakeLLM, browser: object
) -> None:
    data = api_answer(server["url"], fake)
    [line] = data["lines"]
    rank = line["passage"]
    assert rank == 1 and data["passages"][2]["merged_into"] == 2  # the premise of the test
    first = line["text"].rstrip("。") + "。"
    piece = next(s + "。" for s in data["passages"][2]["text"].split("。") if len(s) > 8)
    # [1] is shown as source 1; [2][3], two pieces of one paragraph, as source 2, once
    reply = f"{first}[{rank}] 该协议还带来投资999亿元。[{rank}] {piece}[2][3]"
    browser.get(server["url"])
    waiter(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#examples button"))

    fake.script(Reply(reply))
    generated, notice, extractive = generated_turn(browser, QUESTION)
    assert generated == f"{first}[1]{piece}[2]"
    assert "999" not in generated and "删去了1句" in notice
    assert extractive.endswith("[1]")  # the extractive line cites the same source number
    sources = browser.find_elements(By.CSS_SELECTOR, ".turn:last-child .sources li")
    assert browser.find_element(By.ID, "src-1-2") == sources[1]

    # a stream cut after the first sentence: the checked sentence stays, one line says why
    fake.script(Reply(f"{first}[{rank}]{first}[1]", chunk_chars=len(first) + 5, cut_after=1))
    generated, notice, extractive = generated_turn(browser, QUESTION)
    assert (generated, notice) == (f"{first}[1]", "模型的回答中断了，只显示已核对的部分。")
    assert extractive.endswith("[1]")

    # a malformed chunk halfway: the same
    fake.script(Reply(f"{first}[{rank}]{first}[1]", chunk_chars=len(first) + 5, bad_chunk_at=2))
    generated, notice, _ = generated_turn(browser, QUESTION)
    assert (generated, notice) == (f"{first}[1]", "模型服务的回复格式不对，只显示已核对的部分。")

    # a 429: no generated text, the notice says to wait, the extractive answer stays
    fake.script(Reply(status=429, headers={"Retry-After": "1"}))
    generated, notice, extractive = generated_turn(browser, QUESTION)
    assert generated == "" and notice.startswith("模型服务限流，请1秒后再试")
    assert extractive.endswith("[1]")
    time.sleep(1.5)  # the breaker honours Retry-After

    # a hang: given up after QABOT_LLM_TIMEOUT, the page is not left waiting
    fake.script(Reply(reply, hang=30))
    started = time.monotonic()
    generated, notice, extractive = generated_turn(browser, QUESTION)
    assert generated == "" and notice.startswith("模型在3秒内没有回答")
    assert extractive.endswith("[1]") and time.monotonic() - started < 20
    shown = browser.find_element(By.ID, "turns").text
    assert "999" not in shown and "Traceback" not in shown
