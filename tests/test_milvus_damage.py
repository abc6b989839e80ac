"""A damaged Milvus Lite file (issue 23, item 10), with the real embedded Milvus Lite and real
``qabot`` processes: ``ask`` and ``index`` say the file is damaged (exit 3, one line naming it,
never "no index" followed by a build), and ``index --force`` moves it aside byte for byte and
builds a new one that answers."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from conftest import run_qabot, small_corpus

pytestmark = pytest.mark.slow
pytest.importorskip("milvus_lite", reason="the milvus extra is not installed")


def truncate(db: Path) -> None:
    db.write_bytes(db.read_bytes()[:5000])


def overwrite_header(db: Path) -> None:
    data = bytearray(db.read_bytes())
    data[:100] = bytes(range(100))
    db.write_bytes(bytes(data))


def garble_rows(db: Path) -> None:
    """SQLite stays sound; the rows Milvus Lite stores in it do not parse."""
    with closing(sqlite3.connect(db)) as sql:
        sql.execute("UPDATE qabot_meta SET data = randomblob(length(data))")
        sql.commit()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("lite")
    docs = small_corpus(root / "docs", paragraphs=2)
    db = root / "q.db"
    args = ["--docs", str(docs), "--index", str(root / "none"), "--store", f"milvus-lite:{db}"]
    # each qabot's Milvus Lite server has a HOME of its own (lite_file.own_scratch): servers
    # of other tests starting at the same moment no longer empty its scratch folder
    done = run_qabot("index", *args, timeout=300)
    assert done.returncode == 0, done.stderr
    return {"db": db, "args": args, "good": db.read_bytes()}


@pytest.mark.parametrize("damage", [truncate, overwrite_header, garble_rows])
def test_a_damaged_lite_file_is_named_and_rebuilt_with_force(
    built: dict, damage: Callable[[Path], None]
) -> None:
    db: Path = built["db"]
    for old in db.parent.glob("q.db.damaged-*"):
        old.unlink()
    db.write_bytes(built["good"])
    damage(db)
    damaged = db.read_bytes()
    for command in ("ask", "index"):
        words = ["东丽区"] if command == "ask" else []
        run = run_qabot(command, *words, *built["args"], timeout=180)
        lines = [line for line in run.stderr.splitlines() if line.startswith("qabot: error")]
        assert run.returncode == 3, run.stderr
        assert lines == [lines[0]] and f"Milvus Lite file {db} is damaged" in lines[0]
        assert "--force" in lines[0] and "Traceback" not in run.stderr
        assert "embedding" not in run.stderr  # no build started into the damaged file
        assert db.read_bytes() == damaged  # untouched until asked to
    forced = run_qabot("index", "--force", *built["args"], timeout=300)
    assert forced.returncode == 0, forced.stderr
    [aside] = db.parent.glob("q.db.damaged-*")
    assert aside.read_bytes() == damaged and f"kept as {aside}" in forced.stderr
    answered = run_qabot("ask", "东丽区怎么治理基层？", "--json", *built["args"], timeout=180)
    assert answered.returncode == 0, answered.stderr
    assert '"passages": [{' in answered.stdout.replace("\n", "")
