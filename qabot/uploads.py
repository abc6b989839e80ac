"""Adding and removing documents without a shell: what ``POST /api/documents`` and a
Telegram administrator's file share.

A file is accepted only when its name is a plain file name with a known suffix (no folder,
no ``..``), it is within the size limit, it does not replace another document unless asked
(``replace``), and its content reads as a document of that format (magic bytes, then the
real reader: an encrypted PDF or an empty Word file is refused). It is then moved into the
documents folder and the index rebuilt under the usual build lock; if the build fails, the
folder is put back as it was and the previous index goes on serving. One change at a time.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qabot.corpus import parse_document
from qabot.districts import Gazetteer
from qabot.errors import QabotError
from qabot.indexer import build
from qabot.live import LiveEngine
from qabot.sources import CATALOG_NAME, SUFFIXES

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024
STAGING = ".upload-"  # hidden folder in the documents folder: never read as a document
_UNSAFE = re.compile(r"[^\w.\-（）()]+")


class UploadError(QabotError):
    """A refused upload or removal; ``status`` is the HTTP status that says why."""

    def __init__(self, message: str, reason: str, status: int) -> None:
        super().__init__(message, reason)
        self.status = status


@dataclass
class Change:
    """What an upload or removal did, as both front ends report it."""

    action: str  # added | replaced | removed
    document: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "document": self.document}


def safe_name(filename: str) -> str:
    """``filename`` if it is a plain document file name (unsafe characters folded to ``-``);
    :class:`UploadError` for a path, a hidden name or an unknown suffix."""
    if not filename or "/" in filename or "\\" in filename or ".." in filename:
        raise UploadError(
            f"{filename!r}: give a plain file name, without folders or '..'", "bad_filename", 400
        )
    name = _UNSAFE.sub("-", filename.strip()).strip("-")
    suffix = Path(name).suffix.lower()
    if name.startswith(".") or suffix not in SUFFIXES or len(name) > 120 or not Path(name).stem:
        raise UploadError(
            f"{filename!r}: not a document name qabot reads ({' '.join(SUFFIXES)})",
            "bad_filename",
            400,
        )
    return name


class DocumentAdmin:
    """Adds and removes documents in ``docs`` and rebuilds ``index`` for ``live``."""

    def __init__(
        self,
        docs: Path,
        index: Path,
        live: LiveEngine,
        store: str | None = None,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.docs, self.index, self.live = Path(docs), Path(index), live
        self.store, self.max_bytes = store, max_bytes
        self._lock = threading.Lock()

    def add(self, filename: str, data: bytes, replace: bool = False) -> Change:
        """Save ``data`` as ``filename``, rebuild, and describe the indexed document."""
        name = safe_name(filename)
        if len(data) > self.max_bytes:
            raise UploadError(
                f"{name}: {len(data) / 1e6:.1f} MB is over the {self.max_bytes / 1e6:.0f} MB limit",
                "file_too_large",
                413,
            )
        with self._lock:
            target = self.docs / name
            if target.exists() and not replace:
                raise UploadError(
                    f"{name} is already a document; send it with replace=true to overwrite it",
                    "document_exists",
                    409,
                )
            with tempfile.TemporaryDirectory(dir=self.docs, prefix=STAGING) as tmp:
                staged = Path(tmp) / name
                staged.write_bytes(data)
                self._check(staged)
                backup = Path(tmp) / "previous"
                existed = target.exists()
                if existed:
                    shutil.copy2(target, backup)
                os.replace(staged, target)
                built = False
                try:
                    self._rebuild()
                    built = True
                    document = self._describe(name)  # e.g. skipped: another file has its id
                except BaseException:
                    if existed:
                        os.replace(backup, target)
                    else:
                        target.unlink(missing_ok=True)
                    if built:
                        self._rebuild()
                    raise
        return Change("replaced" if existed else "added", document)

    def remove(self, doc_id: str) -> Change:
        """Remove the document ``doc_id`` from the folder and the index."""
        with self._lock:
            found = self._describe_id(doc_id)
            target = self.docs / found["source"]
            with tempfile.TemporaryDirectory(dir=self.docs, prefix=STAGING) as tmp:
                backup = Path(tmp) / found["source"]
                os.replace(target, backup)
                try:
                    self._rebuild()
                except BaseException:
                    os.replace(backup, target)
                    raise
        return Change("removed", found)

    def documents(self) -> list[dict[str, Any]]:
        """The indexed documents, each with the file it came from."""
        engine = self.live.current()
        sources = {c.doc_id: c.source for c in engine.store.iter_chunks()}
        return [{**d.to_dict(), "source": sources.get(d.doc_id, "")} for d in engine.documents()]

    def _check(self, staged: Path) -> None:
        """Read the staged file as the index will: its content must be a readable document."""
        try:
            parse_document(staged, Gazetteer())
        except QabotError as exc:
            raise UploadError(str(exc), "unreadable_document", 422) from exc

    def _rebuild(self) -> None:
        engine = self.live.current()
        report = build(self.docs, self.index, engine.embedder, progress=False, store=self.store)
        log.info("rebuilt after a document change: %s", report.summary().splitlines()[0])
        self.live.reload_now()

    def _describe(self, name: str) -> dict[str, Any]:
        for document in self.documents():
            if document["source"] == name:
                return document
        raise UploadError(
            f"{name} was not indexed (another document has its id?); nothing changed",
            "not_indexed",
            422,
        )

    def _describe_id(self, doc_id: str) -> dict[str, Any]:
        for document in self.documents():
            if document["doc_id"] == doc_id and document["source"] not in ("", CATALOG_NAME):
                return document
        raise UploadError(f"no document with id {doc_id!r}", "unknown_document", 404)
