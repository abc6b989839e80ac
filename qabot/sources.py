"""Reading the document folder: which files are documents, their text, and the catalog.

Everything here may meet a hostile folder: an unreadable file, a FIFO or folder named
``x.txt``, a dangling link, a file in a legacy encoding, a ``catalog.toml`` with values of the
wrong type. Each becomes a :class:`CorpusError` or a one-line problem naming the file, never
a traceback; control characters and terminal escapes are removed as lines are read, so they
never reach the index.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from qabot.errors import CorpusError
from qabot.formats import FORMATS, Extracted, expected, sniff
from qabot.formats.docx import read_docx
from qabot.formats.html import read_html
from qabot.formats.markdown import markdown_lines
from qabot.formats.pdf import read_pdf
from qabot.textnorm import is_cjk, printable, strip_controls

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SUFFIXES = tuple(FORMATS)
CATALOG_NAME = "catalog.toml"
_SURROGATE = re.compile("[\ud800-\udfff]")
KNOWN = " ".join(SUFFIXES)


# ---------------------------------------------------------------------------- reading files


def read_text(path: Path) -> tuple[str, str]:
    """File contents and the encoding that decoded them.

    UTF-8 (with or without BOM) first; Chinese sites still publish GB18030/GBK, and a file in
    that encoding is accepted with a warning. Anything else raises :class:`CorpusError`.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{printable(path.name)}: cannot be read ({exc.strerror})") from exc
    if b"\x00" not in data:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if encoding == "utf-8-sig" or _looks_like_text(text):
                return text, encoding
    raise CorpusError(f"{printable(path.name)}: not UTF-8 (nor GB18030) text; re-save it as UTF-8")


# Toned pinyin letters (GB2312 has them all): the seeds spell names in pinyin this way.
_PINYIN = frozenset("āáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜĀÁǍÀĒÉĚÈĪÍǏÌŌÓǑÒŪÚǓÙÜǕǗǙǛńňǹḿ")


def _looks_like_text(text: str) -> bool:
    """GB18030 decodes almost any bytes: accept it only if the result reads as Chinese text."""
    if not text.strip():
        return True
    readable = sum(
        1
        for ch in text
        if is_cjk(ch)
        or ch.isascii()
        or "\u3000" <= ch <= "\u303f"
        or "\uff00" <= ch <= "\uffef"
        or ch in "“”‘’—…·"
        or ch in _PINYIN
    )
    return readable / len(text) > 0.95 and sum(map(is_cjk, text)) > 0.2 * len(text.strip())


def read_document(path: Path) -> Extracted:
    """The document's lines and metadata, read by the reader its content calls for.

    The bytes decide (magic numbers), and they must agree with the name: a ``.pdf`` that is
    a program or a ``.txt`` that is a PDF is refused naming what it really is.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise CorpusError(f"{printable(path.name)}: cannot be read ({exc.strerror})") from exc
    found, promised = sniff(path, head), expected(path)
    if found != promised:
        what = found if found not in FORMATS.values() else f"a {found.upper()} file"
        raise CorpusError(
            f"{printable(path.name)}: the name says {promised}, but the content is {what}"
        )
    kind = FORMATS[path.suffix.lower()]
    if kind == "pdf":
        return read_pdf(path)
    if kind == "docx":
        return read_docx(path)
    if kind == "image":
        return _ocr_image(path)
    text, encoding = read_text(path)
    if kind == "html":
        extracted = read_html(path, text)
    elif kind == "markdown":
        extracted = Extracted(markdown_lines(text))
    else:
        extracted = Extracted(text.splitlines())
    extracted.lines = [strip_controls(line) for line in extracted.lines]
    extracted.encoding = encoding
    return extracted


def _ocr_image(path: Path) -> Extracted:
    """A scanned page: OCR when the extra is installed, else say which extra."""
    try:
        from qabot.formats.ocr import ocr_image
    except ImportError:
        raise CorpusError(
            f"{printable(path.name)}: an image needs OCR: pip install 'qabot[ocr]'", "missing_extra"
        ) from None
    return ocr_image(path)


# ---------------------------------------------------------------------------- the catalog


def load_catalog(docs_dir: Path) -> dict[str, dict[str, Any]]:
    """Per-document metadata from ``catalog.toml``, keyed by file name, checked key by key."""
    path = docs_dir / CATALOG_NAME
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) else exc
        raise CorpusError(f"{path}: cannot parse the catalog: {detail}") from exc
    entries = data.get("documents", {})
    if not isinstance(entries, dict):
        raise CorpusError(f"{path}: [documents] must be a table keyed by file name")
    for name, entry in entries.items():
        _check_entry(path, name, entry)
    return entries


# catalog key → (accepted types, what to write)
_CATALOG_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "id": ((str,), "a string"),
    "title": ((str,), "a string"),
    "district": ((str,), "a string"),
    "city": ((str,), "a string"),
    "date": ((str, int), 'a string or a year, e.g. "2020"'),
    "kind": ((str,), "a string"),
    "speakers": ((list,), 'a list of tables, e.g. [{ name = "冯卫华", role = "区委书记" }]'),
}


def _check_entry(path: Path, name: str, entry: object) -> None:
    """Raise :class:`CorpusError` naming the file, the key and what was expected."""
    where = f'{path}: documents."{name}"'
    if not isinstance(entry, dict):
        raise CorpusError(f"{where} must be a table, not {type(entry).__name__}")
    for key, value in entry.items():
        if key not in _CATALOG_KEYS:
            continue  # extra notes (province, url …) are the editor's, not qabot's
        kinds, expected = _CATALOG_KEYS[key]
        if not isinstance(value, kinds) or isinstance(value, bool):
            raise CorpusError(f"{where}.{key} must be {expected}, not {type(value).__name__}")
    for number, speaker in enumerate(entry.get("speakers", []), start=1):
        if (
            not isinstance(speaker, dict)
            or not isinstance(speaker.get("name"), str)
            or not isinstance(speaker.get("role", ""), str)
            or set(speaker) - {"name", "role"}
        ):
            raise CorpusError(
                f"{where}.speakers[{number}] must be a table with a 'name' string "
                f"(and optionally a 'role' string), not {speaker!r}"
            )


def list_sources(docs_dir: Path) -> list[Path]:
    """Readable documents in ``docs_dir`` (not recursive), in name order."""
    return scan_sources(docs_dir)[0]


def scan_sources(docs_dir: Path) -> tuple[list[Path], list[str]]:
    """Documents in ``docs_dir`` in name order, and one line per other entry: a file of
    another format, or one with a document suffix that cannot be read (a folder, a FIFO, a
    dangling link, no permission). Hidden files and sub-folders are left alone."""
    if not docs_dir.is_dir():
        raise CorpusError(f"document folder {docs_dir} does not exist (set --docs or QABOT_DOCS)")
    try:
        entries = sorted(p for p in docs_dir.iterdir() if not p.name.startswith("."))
    except OSError as exc:
        raise CorpusError(f"cannot list the document folder {docs_dir}: {exc.strerror}") from exc
    sources, problems = [], []
    for path in entries:
        if path.name == CATALOG_NAME or (path.is_dir() and path.suffix.lower() not in SUFFIXES):
            continue
        if path.suffix.lower() not in SUFFIXES:
            name = printable(path.name)
            problems.append(f"{name}: not a document format qabot reads ({KNOWN}); skipped")
            continue
        problem = _unreadable(path)
        if problem:
            problems.append(f"{printable(path.name)}: {problem}")
        else:
            sources.append(path)
    return sources, problems


def _unreadable(path: Path) -> str:
    """Why ``path`` is no document to read, or ``""`` (opens it: permissions are real)."""
    if _SURROGATE.search(path.name):  # bytes of another encoding: cannot be stored or shown
        return "its file name is not valid UTF-8; rename it"
    try:
        if not path.is_file():
            if path.is_symlink() and not path.exists():
                return "a link to nothing (dangling symlink)"
            return "not a regular file"
        with open(path, "rb"):
            return ""
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
