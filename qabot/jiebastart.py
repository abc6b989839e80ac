"""jieba imported without its two slow habits: a third of a second off every start.

``import jieba`` imports the deprecated ``pkg_resources`` (80 ms, and a deprecation warning)
only to open its own data files, which it opens by path when that import fails; and ``import
jieba.posseg`` parses the whole dictionary (350 000 lines, 0.25 s) into the default tagger's
word-tag table. Here ``pkg_resources`` is unavailable to jieba's import only (the block is
lifted right after), the default tagger reads an empty dictionary, and its table is then read
from qabot's cache folder, parsed once by jieba's own ``load_word_tag`` (0.12 s).

Every qabot module takes jieba from here, so whichever loads first does it this way.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qabot.usercache import parsed


@contextmanager
def _unavailable(module: str) -> Iterator[None]:
    """``import module`` fails inside the block (a ``None`` entry in ``sys.modules``), unless
    it was already imported; afterwards it imports as usual."""
    block = module not in sys.modules
    if block:
        sys.modules[module] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if block:
            del sys.modules[module]


with _unavailable("pkg_resources"):
    import jieba

_PARSE_ON_IMPORT = "jieba.posseg" not in sys.modules
if _PARSE_ON_IMPORT:
    jieba.dt.get_dict_file = io.BytesIO  # the default tagger's import-time read: nothing
try:
    import jieba.posseg as posseg
finally:
    if _PARSE_ON_IMPORT:
        del jieba.dt.get_dict_file


def _word_tags(dictionary: Path) -> dict[str, str]:
    """word → part-of-speech tag of jieba's dictionary file, read by jieba's own parser."""
    reader = posseg.POSTokenizer.__new__(posseg.POSTokenizer)
    reader.load_word_tag(dictionary.open("rb"))
    return reader.word_tag_tab  # type: ignore[no-any-return]


if _PARSE_ON_IMPORT:
    posseg.dt.word_tag_tab = parsed(
        "jieba-word-tags",
        Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME,
        jieba.__version__,
        _word_tags,
    )

__all__ = ["jieba", "posseg"]
