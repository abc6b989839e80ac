"""Web pages through ``trafilatura``: the article's text without the site's chrome, and the
page's title, date and author.

trafilatura is the maintained main-content extractor the field benchmarks against; it
replaces a hand-written block parser that left navigation and footers to the text cleaner.
"""

from __future__ import annotations

import logging
from pathlib import Path

from qabot.errors import CorpusError
from qabot.formats import Extracted


def read_html(path: Path, text: str) -> Extracted:
    """The main text of the page (already decoded as ``text``) as lines, with metadata."""
    import trafilatura
    from trafilatura.settings import Document

    logging.getLogger("trafilatura").setLevel(logging.ERROR)  # per-page chatter
    page = trafilatura.bare_extraction(
        text,
        with_metadata=True,
        include_tables=True,
        include_comments=False,
        favor_recall=True,
        deduplicate=False,
    )
    # a Document: with_metadata and the default output_format; a dict only when asked for
    if not isinstance(page, Document) or not (page.text or "").strip():
        raise CorpusError(f"{path.name}: no article text found in the page")
    return Extracted(
        (page.text or "").splitlines(),
        title=page.title or "",
        date=page.date or "",
        author=page.author or "",
    )
