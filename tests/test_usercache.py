"""Tables parsed once per machine (CC-CEDICT for English questions) and kept in qabot's cache
folder: read back when the source is unchanged, parsed again when it changed or the cached
file is damaged, and never an error when the folder cannot be written."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from qabot import usercache


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = tmp_path / "table.txt"
    path.write_text("a b\nc d\n", encoding="utf-8")
    return path


def _parse(calls: list[Path]) -> Callable[[Path], dict[str, str]]:
    def parse(path: Path) -> dict[str, str]:
        calls.append(path)
        return dict(line.split() for line in path.read_text(encoding="utf-8").splitlines())

    return parse


def test_a_second_process_reads_the_parsed_table(source: Path) -> None:
    calls: list[Path] = []
    first = usercache.parsed("t", source, "1", _parse(calls))
    again = usercache.parsed("t", source, "1", _parse(calls))
    assert first == again == {"a": "b", "c": "d"} and len(calls) == 1


def test_a_changed_source_or_parser_is_parsed_again(source: Path) -> None:
    calls: list[Path] = []
    usercache.parsed("t", source, "1", _parse(calls))
    assert usercache.parsed("t", source, "2", _parse(calls)) == {"a": "b", "c": "d"}
    source.write_text("a b\nc d\ne f\n", encoding="utf-8")
    assert usercache.parsed("t", source, "2", _parse(calls))["e"] == "f"
    assert len(calls) == 3


def test_a_damaged_cache_is_parsed_again_with_a_warning(
    source: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[Path] = []
    usercache.parsed("t", source, "1", _parse(calls))
    [cached] = Path(os.environ["XDG_CACHE_HOME"], "qabot").glob("t-v1-*.pickle")
    cached.write_bytes(b"\x80\x05 truncated")
    assert usercache.parsed("t", source, "1", _parse(calls)) == {"a": "b", "c": "d"}
    assert len(calls) == 2 and "unreadable" in caplog.text


def test_a_folder_that_cannot_be_made_only_costs_the_parse(
    source: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    calls: list[Path] = []
    assert usercache.parsed("t", source, "1", _parse(calls)) == {"a": "b", "c": "d"}
    assert usercache.parsed("t", source, "1", _parse(calls)) == {"a": "b", "c": "d"}
    assert len(calls) == 2


def test_tables_of_earlier_installs_are_pruned_but_the_last_used(source: Path) -> None:
    """Each reinstall gives the source a new modification time and a new cached table; only
    the :data:`usercache.KEEP` used last stay, those of other names untouched."""
    folder = Path(os.environ["XDG_CACHE_HOME"], "qabot")
    calls: list[Path] = []
    usercache.parsed("other", source, "1", _parse(calls))
    for install in range(1, 6):
        os.utime(source, ns=(install * 10**18, install * 10**18))
        assert usercache.parsed("t", source, "1", _parse(calls)) == {"a": "b", "c": "d"}
    kept = sorted(p.name for p in folder.glob("t-v1-*.pickle"))
    assert len(kept) == usercache.KEEP and kept[-1].endswith(f"-{5 * 10**18}.pickle")
    assert len(list(folder.glob("other-v1-*.pickle"))) == 1
    assert len(calls) == 6
