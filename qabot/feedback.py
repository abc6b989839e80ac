"""👍 / 👎 on answers, from every front end (Telegram, the web page), in one SQLite file.

Why SQLite: several processes (a bot and a web server) may write at once, and a ``kill -9``
must not lose what was already acknowledged to the user; WAL mode gives both with the
standard library. What is stored: the question, the answer line shown, the ids of the
passages shown, the vote, the reason offered under 👎, the channel and the time — never who
asked.

``qabot feedback export FILE`` turns the 👎 questions into question-set lines (``answers``
left empty, ``label: "todo"``) so they can be labelled and added to the evaluation set.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from qabot.errors import UsageError

Vote = Literal["up", "down"]
#: reasons offered under 👎 (code → label shown to users)
REASONS = {
    "off_topic": "答非所问",
    "wrong_district": "找错地区",
    "missed": "文档里有但没找到",
    "other": "其他",
}
STATE_DIR_ENV = "QABOT_STATE_DIR"
FILE_NAME = "feedback.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    channel TEXT NOT NULL,
    question TEXT NOT NULL,
    districts TEXT NOT NULL,
    chunk_ids TEXT NOT NULL,
    no_answer INTEGER NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    reason TEXT,
    answer TEXT
)
"""


def state_dir() -> Path:
    """Where qabot keeps what it learns while running (feedback, chat state): ``$QABOT_STATE_DIR``,
    else ``$XDG_STATE_HOME/qabot``, else ``~/.local/state/qabot`` — never the index folder."""
    explicit = os.environ.get(STATE_DIR_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "qabot"


@dataclass(frozen=True)
class FeedbackEntry:
    id: int
    created: float
    channel: str
    question: str
    districts: list[str]
    chunk_ids: list[str]
    no_answer: bool
    vote: Vote
    reason: str | None
    answer: str = ""  # the answer line the vote was cast on ("" for entries before it was kept)


class FeedbackStore:
    """Votes in ``path`` (created on first use). Safe to share between threads and processes:
    every call opens its own short transaction."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else state_dir() / FILE_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(feedback)")}
            if "answer" not in columns:  # a store written before the answer line was kept
                db.execute("ALTER TABLE feedback ADD COLUMN answer TEXT")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
            yield db

    def record(
        self,
        *,
        channel: str,
        question: str,
        answer: dict[str, Any],
        vote: Vote,
        reason: str | None = None,
    ) -> int:
        """Store one vote on ``answer`` (an answer object, as ``Answer.to_dict()`` gives it);
        returns its id. ``reason`` is one of :data:`REASONS` (👎 only)."""
        if vote not in ("up", "down"):
            raise UsageError(f"vote must be 'up' or 'down', not {vote!r}", "bad_vote")
        if reason is not None and reason not in REASONS:
            raise UsageError(
                f"unknown feedback reason {reason!r}; use one of {', '.join(REASONS)}",
                "bad_reason",
            )
        chunk_ids = [p["chunk_id"] for p in answer.get("passages", [])]
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO feedback (created, channel, question, districts, chunk_ids,"
                " no_answer, vote, reason, answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    time.time(),
                    channel,
                    question,
                    json.dumps(answer.get("districts", []), ensure_ascii=False),
                    json.dumps(chunk_ids),
                    int(bool(answer.get("no_answer"))),
                    vote,
                    reason,
                    answer.get("answer") or "",
                ),
            )
            return int(cursor.lastrowid or 0)

    def set_reason(self, entry_id: int, reason: str) -> None:
        """Add the reason a user picked after voting 👎."""
        if reason not in REASONS:
            raise UsageError(f"unknown feedback reason {reason!r}", "bad_reason")
        with self._connect() as db:
            db.execute("UPDATE feedback SET reason = ? WHERE id = ?", (reason, entry_id))

    def entries(self, vote: Vote | None = None) -> list[FeedbackEntry]:
        query = (
            "SELECT id, created, channel, question, districts, chunk_ids, no_answer, vote,"
            " reason, answer FROM feedback"
        )
        query += (" WHERE vote = ?" if vote else "") + " ORDER BY id"
        with self._connect() as db:
            rows = db.execute(query, (vote,) if vote else ()).fetchall()
        return [
            FeedbackEntry(
                id=row[0],
                created=row[1],
                channel=row[2],
                question=row[3],
                districts=json.loads(row[4]),
                chunk_ids=json.loads(row[5]),
                no_answer=bool(row[6]),
                vote=row[7],
                reason=row[8],
                answer=row[9] or "",
            )
            for row in rows
        ]

    def export(self, path: Path | str) -> int:
        """Write the 👎 questions as question-set lines to ``path``; returns how many."""
        lines = [
            {
                "id": f"feedback-{entry.id}",
                "question": entry.question,
                "answers": [],
                "district": entry.districts or None,
                "type": "feedback",
                "label": "todo",
                "feedback": {
                    "reason": entry.reason,
                    "channel": entry.channel,
                    "answer": entry.answer,
                    "shown": entry.chunk_ids,
                    "no_answer": entry.no_answer,
                    "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(entry.created)),
                },
            }
            for entry in self.entries("down")
        ]
        Path(path).write_text(
            "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
            encoding="utf-8",
        )
        return len(lines)

    def stats(self) -> dict[str, Any]:
        """Counts of votes, of 👎 by reason and by district."""
        entries = self.entries()
        down = [e for e in entries if e.vote == "down"]
        return {
            "votes": len(entries),
            "up": len(entries) - len(down),
            "down": len(down),
            "by_reason": dict(Counter(e.reason or "(none)" for e in down)),
            "by_district": dict(Counter(d for e in down for d in (e.districts or ["(all)"]))),
            "by_channel": dict(Counter(e.channel for e in entries)),
        }
