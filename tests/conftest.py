"""Shared fixtures: the shipped corpus and index, copied so tests never touch the originals,
and small corpora cut from the real seeds for tests that build indexes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

# No model hub is reachable here or in CI: make the hub client fail fast instead of retrying.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest

from qabot.engine import Engine, Settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs_src"
INDEX = ROOT / "embeddings"


@pytest.fixture(scope="session")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A private copy of docs_src/ and embeddings/ (the index shipped in the repository)."""
    base = tmp_path_factory.mktemp("shipped")
    shutil.copytree(DOCS, base / "docs_src")
    shutil.copytree(INDEX, base / "embeddings")
    return Settings(docs=base / "docs_src", index=base / "embeddings", embedder="e5-small")


@pytest.fixture(scope="session")
def engine(shipped: Settings) -> Engine:
    """The real engine on the shipped index, loaded once per test session."""
    return Engine.open(shipped, progress=False)


def small_corpus(folder: Path, paragraphs: int = 3) -> Path:
    """Two short documents cut from the real seeds (first paragraphs only), no catalog."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("dongli-interview.txt", "heping-2019-interview.txt"):
        lines = [
            line for line in (DOCS / name).read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        (folder / name).write_text("\n".join(lines[:paragraphs]) + "\n", encoding="utf-8")
    return folder


def run_qabot(
    *args: str,
    cwd: Path | None = None,
    stdin: str | None = None,
    env: dict | None = None,
    timeout: int = 300,
) -> subprocess.CompletedProcess:
    """``python -m qabot ARGS`` as a real subprocess."""
    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "qabot", *args],
        cwd=cwd or ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )
