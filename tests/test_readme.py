"""The README's Python API example runs as written, against the shipped index."""

from __future__ import annotations

import os
import re
import subprocess
import sys
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


def _bash_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", readme, re.S)]


def test_the_readme_test_command_is_the_one_ci_runs() -> None:
    """Issue 21, Done when: the README's two first commands, in CI's own terms — the test
    command is byte for byte the last line of ``.ci/run``; the first one asks from a clone."""
    first, tests = _bash_blocks()[:2]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert tests == ci[-1]
    assert first.startswith("python3 -m venv .venv && .venv/bin/pip install -e . && ")
    assert first.endswith('.venv/bin/qabot ask "北辰区种了多少亩春小麦？"')


def test_a_fresh_clone_answers_the_readme_question_and_stays_clean(tmp_path: Path) -> None:
    """What ``git clone`` gives (only committed files: nothing ignored or untracked that the
    first answer needs), run from its root as the README says."""
    clone = tmp_path / "clone"
    git = ["git", "-c", "advice.detachedHead=false"]
    subprocess.run([*git, "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    env = {**os.environ, "PYTHONPATH": str(clone), "PYTHONIOENCODING": "utf-8"}
    for key in ("QABOT_DOCS", "QABOT_INDEX", "QABOT_STORE", "QABOT_LLM_BASE_URL"):
        env.pop(key, None)
    asked = subprocess.run(
        [sys.executable, "-m", "qabot", "ask", "北辰区种了多少亩春小麦？"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert asked.returncode == 0, asked.stderr
    assert "6550亩" in asked.stdout and "WARNING" not in asked.stderr, asked.stderr
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"], cwd=clone, capture_output=True, text=True
    )
    written = [line for line in status.stdout.splitlines() if "__pycache__" not in line]
    assert written == [], "asking wrote into the clone"
