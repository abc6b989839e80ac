"""qabot: ask Chinese government documents a question, get cited, district-attributed excerpts.

The library API::

    from qabot import Engine

    engine = Engine.load("embeddings")          # read-only: no build, no writes
    answer = engine.ask("北辰区种了多少亩春小麦？")
    print(answer.answer, answer.passages[0].chunk.district)
    answer.to_dict()                             # the JSON answer object of the CLI

Building the index is :func:`qabot.indexer.build`.

Names are imported on first use (module ``__getattr__``): ``import qabot`` or
``from qabot.types import Answer`` loads none of FAISS, jieba or the embedder, so a front end
and ``qabot --help`` start at once.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qabot.engine import Engine
    from qabot.errors import CorpusError, EmbedderError, IndexStateError, QabotError, UsageError
    from qabot.feedback import FeedbackStore
    from qabot.indexer import BuildReport, build
    from qabot.types import Answer, Chunk, Confidence, DocumentInfo, Hit, Mode, Passage
    from qabot.version import __version__

# Public name → the module that defines it.
_HOMES = {
    "Answer": "qabot.types",
    "BuildReport": "qabot.indexer",
    "Chunk": "qabot.types",
    "Confidence": "qabot.types",
    "CorpusError": "qabot.errors",
    "DocumentInfo": "qabot.types",
    "EmbedderError": "qabot.errors",
    "Engine": "qabot.engine",
    "FeedbackStore": "qabot.feedback",
    "Hit": "qabot.types",
    "IndexStateError": "qabot.errors",
    "Mode": "qabot.types",
    "Passage": "qabot.types",
    "QabotError": "qabot.errors",
    "UsageError": "qabot.errors",
    "build": "qabot.indexer",
    "__version__": "qabot.version",  # package metadata: importlib.metadata is not free either
}

__all__ = [
    "Answer",
    "BuildReport",
    "Chunk",
    "Confidence",
    "CorpusError",
    "DocumentInfo",
    "EmbedderError",
    "Engine",
    "FeedbackStore",
    "Hit",
    "IndexStateError",
    "Mode",
    "Passage",
    "QabotError",
    "UsageError",
    "__version__",
    "build",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module the first time the name is used."""
    if name not in _HOMES:
        raise AttributeError(f"module 'qabot' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
