"""The README's Python API example runs as written, against the shipped index."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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
