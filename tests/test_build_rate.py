"""The build says how fast it embeds (issue 22.4): passages per second in the report and in
``qabot index``'s summary line; the fake embedder keeps this in the fast layer."""

from __future__ import annotations

from pathlib import Path

from qabot import indexer
from qabot.progress import Progress

from conftest import FakeEmbedder, small_corpus


def test_the_build_report_gives_the_embedding_rate(tmp_path: Path) -> None:
    docs = small_corpus(tmp_path / "docs")
    first = indexer.build(docs, tmp_path / "index", FakeEmbedder(), progress=False)
    assert first.embedded > 0 and first.passages_per_s > 0
    assert f"{first.passages_per_s:.1f} passages/s" in first.summary()
    again = indexer.build(docs, tmp_path / "index", FakeEmbedder(), progress=False)
    assert again.embedded == 0 and again.passages_per_s == 0
    assert "passages/s" not in again.summary()


def test_progress_lines_count_passages_per_second() -> None:
    progress = Progress(10, "embedding", enabled=False)
    progress.update(4)
    assert "embedding: 4/10 passages (40%)" in progress.status()
    assert "/s, ETA" in progress.status()
