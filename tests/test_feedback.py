"""The feedback store every front end writes to, and ``qabot feedback export|stats``."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from qabot.errors import UsageError
from qabot.evaluation import load_questions
from qabot.feedback import FeedbackStore, state_dir

from conftest import CliRun

ANSWER = {
    "question": "北辰区种了多少亩春小麦？",
    "districts": ["北辰区"],
    "no_answer": False,
    "passages": [{"chunk_id": "beichen-2020#p9"}, {"chunk_id": "beichen-2020#p8"}],
}


def _vote_many(path: str, channel: str, count: int) -> None:
    store = FeedbackStore(path)
    for n in range(count):
        store.record(channel=channel, question=f"问题{n}", answer=ANSWER, vote="down")


def test_votes_are_stored_exported_as_questions_and_counted(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.record(channel="telegram", question=ANSWER["question"], answer=ANSWER, vote="up")
    question = "东丽区常住人口有多少？"
    down = store.record(channel="web", question=question, answer=ANSWER, vote="down")
    store.set_reason(down, "missed")
    (entry,) = store.entries("down")
    assert entry.chunk_ids == ["beichen-2020#p9", "beichen-2020#p8"]
    assert entry.reason == "missed" and entry.channel == "web"

    out = tmp_path / "todo.jsonl"
    assert store.export(out) == 1
    (line,) = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert line["question"] == question and line["label"] == "todo"
    (question,) = load_questions(out)  # the export is a valid question set, ready to label
    assert question.type == "feedback"

    stats = store.stats()
    assert (stats["votes"], stats["up"], stats["down"]) == (2, 1, 1)
    assert stats["by_reason"] == {"missed": 1}
    assert stats["by_channel"] == {"telegram": 1, "web": 1}


def test_bad_votes_and_reasons_are_refused(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    with pytest.raises(UsageError):
        store.record(channel="web", question="q", answer=ANSWER, vote="meh")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        store.record(channel="web", question="q", answer=ANSWER, vote="down", reason="bored")
    assert store.entries() == []


@pytest.mark.slow
def test_two_processes_write_at_once_and_nothing_is_lost(tmp_path: Path) -> None:
    path = str(tmp_path / "fb.sqlite3")
    FeedbackStore(path)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_vote_many, args=(path, c, 40)) for c in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert FeedbackStore(path).stats()["by_channel"] == {"a": 40, "b": 40}


def test_state_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QABOT_STATE_DIR", str(tmp_path / "state"))
    assert state_dir() == tmp_path / "state"
    monkeypatch.delenv("QABOT_STATE_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert state_dir() == tmp_path / "xdg" / "qabot"


def test_cli_export_and_stats(cli: CliRun, tmp_path: Path) -> None:
    env = {"QABOT_STATE_DIR": str(tmp_path)}
    FeedbackStore(tmp_path / "feedback.sqlite3").record(
        channel="web", question="和平区有多少家企业？", answer=ANSWER, vote="down", reason="other"
    )
    out = tmp_path / "todo.jsonl"
    exported = cli("feedback", "export", str(out), env=env)
    assert exported.code == 0, exported.err
    assert "1 " in exported.out and out.exists()
    stats = cli("feedback", "stats", "--json", env=env)
    assert json.loads(stats.out)["by_reason"] == {"other": 1}
    text = cli("feedback", "stats", env=env)
    assert "1 👎" in text.out and "other" in text.out


def test_the_answer_line_is_kept_and_an_older_store_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with closing(sqlite3.connect(path)) as db, db:  # the store as it was before the column
        db.execute(
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created REAL NOT NULL,"
            " channel TEXT NOT NULL, question TEXT NOT NULL, districts TEXT NOT NULL,"
            " chunk_ids TEXT NOT NULL, no_answer INTEGER NOT NULL, vote TEXT NOT NULL, reason TEXT)"
        )
        db.execute("INSERT INTO feedback VALUES (1, 0, 'web', '旧问题', '[]', '[]', 0, 'up', NULL)")
    store = FeedbackStore(path)
    answer = {"answer": "种植春小麦6550亩。[1]", "districts": [], "passages": []}
    store.record(channel="telegram", question="新问题", answer=answer, vote="down")
    assert [e.answer for e in store.entries()] == ["", "种植春小麦6550亩。[1]"]
