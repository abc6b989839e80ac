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
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

from qabot.errors import CorpusError
from qabot.textnorm import is_cjk, printable, strip_controls

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SUFFIXES = (".txt", ".md", ".html", ".htm")
CATALOG_NAME = "catalog.toml"
_SURROGATE = re.compile("[\ud800-\udfff]")


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


class _BlockText(HTMLParser):
    """HTML → one line per block element, script/style/nav dropped."""

    BLOCKS: ClassVar[set[str]] = {
        "p",
        "div",
        "br",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "section",
        "article",
    }
    HIDDEN: ClassVar[set[str]] = {"script", "style", "nav", "header", "footer", "noscript"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data.replace("\n", " "))


def source_lines(path: Path, text: str) -> list[str]:
    """The document as lines, markup removed for HTML and Markdown."""
    if path.suffix.lower() in (".html", ".htm"):
        parser = _BlockText()
        parser.feed(text)
        text = "".join(parser.parts)
    lines = [strip_controls(line) for line in text.splitlines()]
    if path.suffix.lower() == ".md":
        lines = [re.sub(r"^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+)", "", line) for line in lines]
        lines = [re.sub(r"\*\*|__|`", "", line) for line in lines]
    return lines


# ---------------------------------------------------------------------------- the catalog


def load_catalog(docs_dir: Path) -> dict[str, dict]:
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
    """Documents in ``docs_dir`` in name order, and one line per entry with a document
    suffix that cannot be read (a folder, a FIFO, a dangling link, no permission)."""
    if not docs_dir.is_dir():
        raise CorpusError(f"document folder {docs_dir} does not exist (set --docs or QABOT_DOCS)")
    try:
        entries = sorted(p for p in docs_dir.iterdir() if p.suffix.lower() in SUFFIXES)
    except OSError as exc:
        raise CorpusError(f"cannot list the document folder {docs_dir}: {exc.strerror}") from exc
    sources, problems = [], []
    for path in entries:
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
