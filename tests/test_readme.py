"""The README's Python API example runs as written, against the shipped index."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qabot import Engine

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow  # loads the real embedder


def _api_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README's Python API section has no python block"
    return match.group(1)


def test_readme_fastapi_example_answers_and_rejects(monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(_api_example(), "README.md", "exec"), namespace)
    client = TestClient(namespace["app"])

    answer = client.get("/ask", params={"q": "北辰区种了多少亩春小麦？"}).json()
    assert "6550亩" in answer["answer"]
    assert answer["passages"][0]["district"] == "北辰区"
    assert len(answer["passages"]) == 3

    wrong = client.get("/ask", params={"q": "春小麦", "district": "火星区"})
    assert wrong.status_code == 400
    assert wrong.json() == {"detail": "unknown_district"}
    assert client.get("/ask", params={"q": "  "}).json() == {"detail": "empty_question"}


_COMMAND = re.compile(r'^\$ qabot ask "([^"]+)" --k (\d+)$')


def test_readme_terminal_examples_are_real_output(engine: Engine) -> None:
    """Every `$ qabot ask "…" --k N` transcript in the README is what qabot prints now, line
    for line (a line `…` stands for lines left out)."""
    from qabot.render import render_terminal

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```text\n(.*?)```", readme, re.S)
    checked = 0
    for block in blocks:
        lines = block.splitlines()
        for at, line in enumerate(lines):
            command = _COMMAND.match(line)
            if not command:
                continue
            shown = []
            for following in lines[at + 1 :]:
                if following.startswith("$ ") or following == "…":
                    break
                shown.append(following)
            answer = engine.ask(command.group(1), k=int(command.group(2)))
            printed = render_terminal(answer, engine.districts).splitlines()
            assert printed[: len(shown)] == shown, command.group(1)
            checked += 1
    assert checked >= 3
