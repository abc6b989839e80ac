"""Per-chat state in SQLite (WAL): the district filter, recent answers (for the buttons under
them and /sources), and the messages already answered (so a redelivered update is not
answered twice).

Why SQLite in WAL mode and not PTB's ``PicklePersistence``: the pickle is written every 30 s,
so a ``kill -9`` lost up to 30 s of settings; here every change is one short transaction,
committed before the reply it belongs to is sent. ``synchronous=NORMAL`` keeps commits
cheap and is durable across a process crash. The file lives in the state folder
(``$QABOT_STATE_DIR``), never in the git-tracked index.

Every message update is noted in ``pending`` when it is received and removed once handled,
so the questions a crash interrupted are answered at the next start (PTB's next
``getUpdates`` confirms the updates it fetched to Telegram long before they are answered).

Retention: answers older than ``retention_days`` are deleted (their buttons then say the
answer expired); the "already answered" marks are kept two days. ``/forget`` deletes a chat.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from qabot.telegram.records import Record

KEEP_ANSWERS = 50  # newest answers kept per chat, besides the age limit
HANDLED_SECONDS = 2 * 86400
PRUNE_EVERY = 3600.0  # a running bot prunes at most hourly, on the next write
_SCHEMA = """
CREATE TABLE IF NOT EXISTS chats (
    chat_id INTEGER PRIMARY KEY, district TEXT, last_key TEXT, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY, chat_id INTEGER NOT NULL, message_id INTEGER,
    created REAL NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS answers_chat ON answers (chat_id, created);
CREATE INDEX IF NOT EXISTS answers_message ON answers (chat_id, message_id);
CREATE TABLE IF NOT EXISTS handled (
    chat_id INTEGER NOT NULL, message_id INTEGER NOT NULL, edit_date INTEGER NOT NULL,
    created REAL NOT NULL, answer_key TEXT, PRIMARY KEY (chat_id, message_id, edit_date));
CREATE TABLE IF NOT EXISTS pending (
    update_id INTEGER PRIMARY KEY, received REAL NOT NULL, payload TEXT NOT NULL);
"""


class ChatState:
    """One connection shared by the event loop's thread; each method is one transaction."""

    def __init__(self, path: Path, retention_days: float = 30.0) -> None:
        self.path = path
        self.retention = retention_days * 86400
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=10, check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._pruned = 0.0
        self.prune()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock, self._db:
            return self._db.execute(sql, args).fetchall()

    # ------------------------------------------------------------------ settings

    def district(self, chat_id: int) -> str | None:
        rows = self._run("SELECT district FROM chats WHERE chat_id = ?", (chat_id,))
        return rows[0][0] if rows else None

    def set_district(self, chat_id: int, district: str | None) -> None:
        self._run(
            "INSERT INTO chats (chat_id, district, updated) VALUES (?, ?, ?) ON CONFLICT(chat_id)"
            " DO UPDATE SET district = excluded.district, updated = excluded.updated",
            (chat_id, district, time.time()),
        )

    # ------------------------------------------------------------------ answers

    def save(self, record: Record, *, newest: bool = False) -> None:
        """Store (or update) an answer; ``newest`` makes it the one /sources shows."""
        if time.time() - self._pruned > PRUNE_EVERY:
            self.prune()
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO answers (key, chat_id, message_id, created, record)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    record["key"],
                    record["chat_id"],
                    record["message_id"],
                    record["created"],
                    json.dumps(record, ensure_ascii=False),
                ),
            )
            if newest:
                self._db.execute(
                    "INSERT INTO chats (chat_id, last_key, updated) VALUES (?, ?, ?)"
                    " ON CONFLICT(chat_id) DO UPDATE SET last_key = excluded.last_key,"
                    " updated = excluded.updated",
                    (record["chat_id"], record["key"], time.time()),
                )
            self._db.execute(
                "DELETE FROM answers WHERE chat_id = ? AND key NOT IN (SELECT key FROM answers"
                " WHERE chat_id = ? ORDER BY created DESC LIMIT ?)",
                (record["chat_id"], record["chat_id"], KEEP_ANSWERS),
            )

    def attach(self, record: Record) -> None:
        """Record the message an answer was sent as — unless /forget deleted it meanwhile.
        Only its id: a vote or a page turned while the reply to the send was on its way is in
        the stored record already, and the sender's copy is older."""
        self._run(
            "UPDATE answers SET message_id = ?, record = json_set(record, '$.message_id', ?)"
            " WHERE key = ?",
            (record["message_id"], record["message_id"], record["key"]),
        )

    def answer(self, key: str, chat_id: int) -> Record | None:
        """The answer ``key`` if it belongs to ``chat_id`` and has not expired."""
        rows = self._run(
            "SELECT record FROM answers WHERE key = ? AND chat_id = ? AND created > ?",
            (key, chat_id, time.time() - self.retention),
        )
        return json.loads(rows[0][0]) if rows else None

    def answer_to(self, chat_id: int, message_id: int) -> Record | None:
        """The answer the bot sent as message ``message_id`` (for follow-ups by reply)."""
        rows = self._run(
            "SELECT record FROM answers WHERE chat_id = ? AND message_id = ? AND created > ?"
            " ORDER BY created DESC LIMIT 1",
            (chat_id, message_id, time.time() - self.retention),
        )
        return json.loads(rows[0][0]) if rows else None

    def newest(self, chat_id: int, thread_id: int | None = None) -> Record | None:
        """The answer the chat (forum topic ``thread_id``) saw last: the one paged last, else
        the newest one asked in that topic."""
        rows = self._run("SELECT last_key FROM chats WHERE chat_id = ?", (chat_id,))
        last = self.answer(rows[0][0], chat_id) if rows and rows[0][0] else None
        if last is not None and last["thread_id"] == thread_id:
            return last
        rows = self._run(
            "SELECT record FROM answers WHERE chat_id = ? AND json_extract(record, '$.thread_id')"
            " IS ? AND created > ? ORDER BY created DESC LIMIT 1",
            (chat_id, thread_id, time.time() - self.retention),
        )
        return json.loads(rows[0][0]) if rows else None

    # ------------------------------------------------------------------ deduplication

    def handled(self, chat_id: int, message_id: int, edit_date: int = 0) -> str | None:
        """The answer key given to this message (version), ``""`` if none, ``None`` if new."""
        rows = self._run(
            "SELECT answer_key FROM handled WHERE chat_id = ? AND message_id = ? AND edit_date = ?",
            (chat_id, message_id, edit_date),
        )
        return (rows[0][0] or "") if rows else None

    def mark_handled(
        self, chat_id: int, message_id: int, edit_date: int = 0, answer_key: str | None = None
    ) -> None:
        self._run(
            "INSERT OR REPLACE INTO handled VALUES (?, ?, ?, ?, ?)",
            (chat_id, message_id, edit_date, time.time(), answer_key),
        )

    def answer_for_question(self, chat_id: int, message_id: int) -> Record | None:
        """The newest answer given to question ``message_id`` (to edit when it is edited)."""
        rows = self._run(
            "SELECT answer_key FROM handled WHERE chat_id = ? AND message_id = ?"
            " AND answer_key IS NOT NULL ORDER BY edit_date DESC LIMIT 1",
            (chat_id, message_id),
        )
        return self.answer(rows[0][0], chat_id) if rows else None

    # ------------------------------------------------------------------ received, not answered

    def receive(self, update_id: int, payload: dict[str, Any]) -> None:
        """Note an update as it arrives, before the next ``getUpdates`` confirms it to Telegram:
        confirmed and not yet answered, it now survives a crash."""
        self._run(
            "INSERT OR IGNORE INTO pending VALUES (?, ?, ?)",
            (update_id, time.time(), json.dumps(payload, ensure_ascii=False)),
        )

    def done(self, update_id: int) -> None:
        """The update was handled (answered, refused, or skipped): nothing to redo."""
        self._run("DELETE FROM pending WHERE update_id = ?", (update_id,))

    def pending(self) -> list[tuple[int, float, dict[str, Any]]]:
        """Updates received and not handled, oldest first: (update_id, received at, payload)."""
        rows = self._run("SELECT update_id, received, payload FROM pending ORDER BY update_id")
        return [(uid, received, json.loads(payload)) for uid, received, payload in rows]

    # ------------------------------------------------------------------ retention

    def forget(self, chat_id: int) -> int:
        """/forget: delete everything stored about ``chat_id`` — answers, settings, answered
        marks and the messages received but not yet answered (their text is the user's
        too); returns the answers deleted."""
        with self._lock, self._db:
            count = self._db.execute("DELETE FROM answers WHERE chat_id = ?", (chat_id,)).rowcount
            self._db.execute("DELETE FROM chats WHERE chat_id = ?", (chat_id,))
            self._db.execute("DELETE FROM handled WHERE chat_id = ?", (chat_id,))
            self._db.execute(
                "DELETE FROM pending WHERE coalesce(json_extract(payload, '$.message.chat.id'),"
                " json_extract(payload, '$.edited_message.chat.id')) = ?",
                (chat_id,),
            )
        return count

    def prune(self) -> None:
        """Drop answers past the retention period and old "already answered" marks."""
        now = self._pruned = time.time()
        with self._lock, self._db:
            self._db.execute("DELETE FROM answers WHERE created <= ?", (now - self.retention,))
            self._db.execute("DELETE FROM handled WHERE created <= ?", (now - HANDLED_SECONDS,))
