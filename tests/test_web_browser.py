"""End to end in a real headless Chromium (Debian's ``chromium`` + ``chromium-driver``, driven
by Selenium): ``qabot serve`` runs as a subprocess on the shipped index, the test types into
the page like a user and checks what the page shows and what the feedback store received.

The screenshot is kept as a test artifact in ``$QABOT_ARTIFACTS`` (else the test's tmp dir).
"""

from __future__ import annotations

import os
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install '.[web]'")
pytest.importorskip("selenium", reason="selenium is not installed")

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from qabot.feedback import FeedbackStore
from qabot.settings import Settings

from browser import ask, click, needs_chromium, open_browser, waiter
from conftest import serving

pytestmark = needs_chromium
browser = pytest.fixture(open_browser)


@pytest.fixture(scope="module")
def server(shipped: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with serving(shipped, tmp_path_factory.mktemp("state")) as running:
        yield running


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("QABOT_ARTIFACTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_ask_switch_district_open_paragraph_and_vote(
    server: dict, browser: webdriver.Chrome, artifacts: Path
) -> None:
    browser.get(server["url"])
    wait = waiter(browser)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#examples button")) > 0)
    assert browser.switch_to.active_element.tag_name in ("body", "textarea")

    answer = ask(browser, "北辰区种了多少亩春小麦？")
    assert "6550亩" in answer.find_element(By.CSS_SELECTOR, ".answer").text
    first_cite = answer.find_element(By.CSS_SELECTOR, ".sources li .cite").text
    assert "北辰区" in first_cite and "冯卫华" in first_cite and "第9段" in first_cite
    quoted = answer.find_element(By.CSS_SELECTOR, ".sources li .excerpt strong").text
    assert "6550亩" in quoted  # the sentence the answer copies is bold in its source

    # 「更多结果」 shows more passages
    shown = len(answer.find_elements(By.CSS_SELECTOR, ".sources li"))
    click(browser, ".turn:first-child button.more")
    wait.until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".turn:first-child .sources li")) > shown
    )

    # open the whole paragraph of the first source
    click(browser, ".turn:first-child .sources li button.open")
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".turn:first-child .paragraph").text)
    turn = browser.find_element(By.CSS_SELECTOR, ".turn:first-child")
    paragraph = turn.find_element(By.CSS_SELECTOR, ".paragraph")
    assert "2万亩高标准农田" in paragraph.text
    assert (
        turn.find_element(By.CSS_SELECTOR, "button.open").get_attribute("aria-expanded") == "true"
    )

    # 👎 with a reason, stored like the Telegram bot's votes
    click(browser, ".turn:first-child button.vote-down")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".turn:first-child [data-reason]"))
    click(browser, ".turn:first-child [data-reason='wrong_district']")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".turn:first-child .thanks"))
    [vote] = FeedbackStore(server["feedback"]).entries()
    assert (vote.channel, vote.vote, vote.reason) == ("web", "down", "wrong_district")
    assert vote.question == "北辰区种了多少亩春小麦？"

    # another district: the page says that district's documents do not answer it
    Select(browser.find_element(By.ID, "district")).select_by_value("东丽区")
    other = ask(browser, "北辰区种了多少亩春小麦？")
    assert "东丽区" in other.text and "6550亩" not in other.text

    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(artifacts / "web-chat.png"))
    assert (artifacts / "web-chat.png").stat().st_size > 10_000


def test_bad_input_through_the_page(server: dict, browser: webdriver.Chrome) -> None:
    browser.get(server["url"])
    waiter(browser).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#district option")) > 1)
    box = browser.find_element(By.ID, "question")
    box.send_keys(Keys.ENTER)  # empty: nothing sent, the status line says why
    assert browser.find_element(By.ID, "status").text == "请先输入问题。"
    assert not browser.find_elements(By.CSS_SELECTOR, ".turn")

    script = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>北辰区'
    turn = ask(browser, script)
    question = browser.find_element(By.CSS_SELECTOR, ".turn:last-child .q")
    assert script in question.text
    assert not browser.find_elements(By.CSS_SELECTOR, "main img, .turns script")
    assert browser.execute_script("return window.pwned === undefined")
    assert turn.text

    error = ask(browser, "😀🎉")
    assert error.find_element(By.CSS_SELECTOR, "[role=alert]").text.startswith("问题里没有")

    browser.execute_script("document.getElementById('question').value = arguments[0]", "问" * 501)
    box.send_keys(Keys.ENTER)
    waiter(browser).until(
        lambda d: "太长" in d.find_element(By.CSS_SELECTOR, ".turn:last-child .a").text
    )


def test_english_toggle_and_keyboard_only(server: dict, browser: webdriver.Chrome) -> None:
    browser.get(server["url"])
    wait = waiter(browser)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#examples button"))
    click(browser, "#lang")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.ID, "send").text == "Send"
    # keyboard only: Tab to the first example question and press Enter
    body = browser.find_element(By.TAG_NAME, "body")
    for _ in range(12):
        body.send_keys(Keys.TAB)
        active = browser.switch_to.active_element
        if "example" in (active.get_attribute("class") or ""):
            break
    else:
        pytest.fail("the example questions cannot be reached with Tab")
    active.send_keys(Keys.ENTER)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".turn .a[aria-busy='false'] .answer"))
    assert "Sources" in browser.find_element(By.CSS_SELECTOR, ".turn .sources-title").text
    assert browser.switch_to.active_element.get_attribute("id") == "question"


def test_api_docs_render_offline(server: dict, browser: webdriver.Chrome) -> None:
    browser.get(f"{server['url']}/docs")
    waiter(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock"))
    paths = {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
    assert {"/api/ask", "/api/ask/batch", "/healthz"} <= paths


# The fields another part of the engine adds to the answer object (answer_type, answer_span,
# not_covered): the page renders them when present. The server's real answers are taken and
# extended in the page's fetch, computed from their own passages, to check the rendering.
EXTEND_ANSWERS = """
const realFetch = window.fetch;
window.fetch = async (url, options) => {
  if (!String(url).startsWith("/api/ask?")) return realFetch(url, options);
  const response = await realFetch("/api/ask", options); // the JSON answer, not the stream
  const answer = await response.json();
  const question = JSON.parse(options.body).question;
  if (question.startsWith("南开区")) {
    Object.assign(answer, {no_answer: true, answer: "", not_covered: ["南开区"]});
  } else if (question.includes("春小麦")) {
    const text = answer.passages[0].excerpt, span = "种植春小麦6550亩";
    const start = text.indexOf(span), end = start + span.length;
    answer.answer_type = "quantity";
    answer.answer_span = {passage: 1, start, end, text: text.slice(start, end)};
  } else {
    answer.answer_type = "measures";
    answer.answer = answer.passages.slice(0, 2).map((p, i) => p.excerpt + `[${i + 1}]`).join("\\n");
  }
  return new Response(JSON.stringify(answer), {status: 200});
};
"""


def test_answer_span_measures_and_uncovered_district_are_rendered(
    server: dict, browser: webdriver.Chrome
) -> None:
    browser.get(server["url"])
    waiter(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#examples button"))
    browser.execute_script(EXTEND_ANSWERS)

    answer = ask(browser, "北辰区种了多少亩春小麦？")
    assert answer.find_element(By.CSS_SELECTOR, ".answer strong").text == "种植春小麦6550亩"
    assert answer.find_element(By.CSS_SELECTOR, ".excerpt strong").text == "种植春小麦6550亩"

    measures = ask(browser, "东丽区怎么治理污染？")
    assert len(measures.find_elements(By.CSS_SELECTOR, "ul.answer li")) == 2

    uncovered = ask(browser, "南开区种了多少亩春小麦？")
    notice = uncovered.find_element(By.CSS_SELECTOR, ".notice").text
    assert "南开区" in notice and "北辰区" in notice  # what is missing, and what is covered


def open_page(server: dict, browser: webdriver.Chrome) -> WebDriverWait:
    browser.get(server["url"])
    wait = waiter(browser)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#examples button"))
    return wait


def test_a_refusal_shows_its_notice_in_the_pages_language(
    server: dict, browser: webdriver.Chrome
) -> None:
    open_page(server, browser)
    refused = ask(browser, "北辰区2015年种了多少亩春小麦？")
    notice = refused.find_element(By.CSS_SELECTOR, ".notice").text
    assert "2015年" in notice and "2020" in notice  # the year asked and the years there are
    assert browser.find_element(By.ID, "status").text == notice
    click(browser, "#lang")
    notice = browser.find_element(By.CSS_SELECTOR, ".turn .notice").text
    assert notice.startswith("The documents say nothing about 2015") and "2020" in notice

    background = "return getComputedStyle(document.documentElement).backgroundColor"
    assert browser.execute_script(background) == "rgb(246, 248, 250)"
    dark = {"features": [{"name": "prefers-color-scheme", "value": "dark"}]}
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", dark)
    assert browser.execute_script(background) == "rgb(13, 17, 23)"


def test_entering_the_key_again_does_not_repeat_the_district_list(
    server: dict, browser: webdriver.Chrome
) -> None:
    """Item 17: each key entered reloads the catalogue; the district list is replaced."""
    wait = open_page(server, browser)
    options = "return document.querySelectorAll('#district option').length"
    count = browser.execute_script(options)
    assert count > 2  # 「全部地区」 and the districts
    for key in ("first-key", "second-key"):
        browser.execute_script(
            "const box = document.getElementById('api-key'); box.value = arguments[0];"
            "box.dispatchEvent(new Event('change'));",
            key,
        )
    fetched = "return performance.getEntriesByName(location.origin + '/api/meta').length"
    wait.until(lambda d: d.execute_script(fetched) == 3)  # the first load and the two keys
    time.sleep(0.5)  # the last reply's JSON read and drawn
    wait.until(lambda d: d.execute_script("return sessionStorage['qabot-key']") == "second-key")
    assert browser.execute_script(options) == count


def test_history_survives_a_reload_until_cleared(server: dict, browser: webdriver.Chrome) -> None:
    wait = open_page(server, browser)
    answer = ask(browser, "北辰区种了多少亩春小麦？")
    first = answer.find_element(By.CSS_SELECTOR, ".answer").text
    click(browser, ".turn:last-child button.vote-up")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".turn .thanks"))

    browser.refresh()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".turn .answer"))
    assert browser.find_element(By.CSS_SELECTOR, ".turn .answer").text == first
    assert browser.find_element(By.CSS_SELECTOR, ".turn .q").text == "北辰区种了多少亩春小麦？"
    up = browser.find_element(By.CSS_SELECTOR, ".turn button.vote-up")
    assert up.get_attribute("aria-pressed") == "true"
    assert browser.find_element(By.ID, "empty").get_attribute("hidden") is not None
    ask(browser, "宝坻区交付了几个还迁小区？")  # numbered after the kept turn
    assert len(browser.find_elements(By.CSS_SELECTOR, ".turn")) == 2

    click(browser, "#clear")
    assert not browser.find_elements(By.CSS_SELECTOR, ".turn")
    browser.refresh()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#examples button"))
    assert not browser.find_elements(By.CSS_SELECTOR, ".turn")


def test_copy_puts_the_answer_and_its_sources_on_the_clipboard(
    server: dict, browser: webdriver.Chrome
) -> None:
    open_page(server, browser)
    browser.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": server["url"], "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    answer = ask(browser, "北辰区种了多少亩春小麦？")
    cite = answer.find_element(By.CSS_SELECTOR, ".sources li .cite").text
    click(browser, ".turn:last-child button.copy")
    waiter(browser).until(lambda d: d.find_element(By.ID, "status").text == "已复制回答和出处。")
    copied = browser.execute_async_script(
        "navigator.clipboard.readText().then(arguments[0], (e) => arguments[0]('failed: ' + e))"
    )
    assert copied.startswith("北辰区种了多少亩春小麦？\n")
    assert "6550亩" in copied and f"[1] {cite}" in copied


# The first /api/ask?stream=1 answers like a proxy whose upstream is down (502, an HTML page); the
# second hangs until the page stops it; the rest reach the server.
FLAKY_SERVER = """
let calls = 0;
const realFetch = window.fetch;
window.fetch = (url, options) => {
  if (!String(url).startsWith("/api/ask?")) return realFetch(url, options);
  calls += 1;
  if (calls === 1) {
    return Promise.resolve(new Response("<html>Bad Gateway</html>", {status: 502}));
  }
  if (calls === 2) {
    return new Promise((_, reject) => options.signal.addEventListener(
      "abort", () => reject(new DOMException("aborted", "AbortError"))));
  }
  return realFetch(url, options);
};
"""


def test_errors_keep_the_question_and_offer_retry_and_stop(
    server: dict, browser: webdriver.Chrome
) -> None:
    wait = open_page(server, browser)
    browser.execute_script(FLAKY_SERVER)
    box = browser.find_element(By.ID, "question")
    assert box.get_attribute("maxlength") == "500"
    box.send_keys("北辰区种了多少亩春小麦")
    assert browser.find_element(By.ID, "counter").text == "11/500 字"

    failed = ask(browser, "？")
    alert = failed.find_element(By.CSS_SELECTOR, "[role=alert]").text
    assert alert == "服务器出错（HTTP 502），请稍后重试。"  # not the proxy's page, in Chinese
    assert box.get_attribute("value") == "北辰区种了多少亩春小麦？"  # the question is kept

    click(browser, ".turn:last-child button.retry")  # hangs: the stop button ends it
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".turn:last-child button.stop"))
    click(browser, ".turn:last-child button.stop")
    wait.until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".turn:last-child .a").text.startswith("已停止")
    )

    click(browser, ".turn:last-child button.retry")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".turn:last-child .answer"))
    assert "6550亩" in browser.find_element(By.CSS_SELECTOR, ".turn:last-child .answer").text
    assert len(browser.find_elements(By.CSS_SELECTOR, ".turn")) == 1  # retried in place


def test_vote_buttons_have_words_and_a_reason_needs_the_pages_token(
    server: dict, browser: webdriver.Chrome
) -> None:
    wait = open_page(server, browser)
    compared = ask(browser, "东丽区和和平区怎么治理污染？")
    # each compared district's line is bold in its own source, without its 「东丽区：」 label
    marked = compared.find_elements(By.CSS_SELECTOR, ".sources li .excerpt strong")
    assert len(marked) >= 2 and not marked[0].text.startswith("东丽区：")
    assert compared.find_element(By.CSS_SELECTOR, ".answer").get_attribute("lang") == "zh-CN"
    names = [
        b.get_attribute("aria-label")
        for b in compared.find_elements(By.CSS_SELECTOR, "button.open")
    ]
    assert len(set(names)) == len(names) == 3  # one 「查看整段」 per source, told apart
    assert browser.find_element(By.ID, "status").text == "已回答，3 条出处"  # as many as shown
    up = browser.find_element(By.CSS_SELECTOR, ".turn button.vote-up")
    down = browser.find_element(By.CSS_SELECTOR, ".turn button.vote-down")
    assert (up.text, down.text) == ("👍 有用", "👎 没用")
    assert (up.get_attribute("aria-label"), down.get_attribute("aria-label")) == ("有用", "没用")

    click(browser, ".turn button.vote-down")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".turn [data-reason]"))
    turn = browser.execute_script("return JSON.parse(localStorage.getItem('qabot-history'))[0]")
    post = """
      const [path, body, done] = arguments;
      fetch(path, {method: "POST", headers: {"Content-Type": "application/json"},
                   body: JSON.stringify(body)}).then((r) => done(r.status), (e) => done(String(e)));
    """
    for entry in (turn["feedbackId"] - 1, 999999, -1):  # somebody else's vote, none, nonsense
        body = {"reason": "other", "token": turn["feedbackToken"]}
        status = browser.execute_async_script(post, f"/api/feedback/{entry}/reason", body)
        assert status == (403 if entry >= 1 else 400), entry  # 0, -1: not an id at all
    click(browser, ".turn [data-reason='missed']")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".turn .thanks"))
    mine = [e for e in FeedbackStore(server["feedback"]).entries() if e.id == turn["feedbackId"]]
    assert [e.reason for e in mine] == ["missed"]

    ask(browser, "东丽区怎么治理污染？")  # two measures, both from source 1
    click(browser, ".turn:last-child .sources li:first-child button.open")
    box = ".turn:last-child .sources li:first-child .paragraph strong"
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, box))
    bold = [e.text for e in browser.find_elements(By.CSS_SELECTOR, box)]
    lines = [
        e.text for e in browser.find_elements(By.CSS_SELECTOR, ".turn:last-child ul.answer li")
    ]
    assert len(bold) == len(lines) == 2, "every measure bold in the paragraph it comes from"
    assert all(b[:10] in line for b, line in zip(bold, lines, strict=True))


def test_security_headers_and_head(server: dict) -> None:
    request = urllib.request.Request(server["url"] + "/", method="HEAD")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200 and response.read() == b""
        headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
