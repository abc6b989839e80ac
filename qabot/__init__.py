"""qabot: ask Chinese government documents a question, get cited, district-attributed excerpts.

The library API::

    from qabot import Engine

    engine = Engine.load("embeddings")          # read-only: no build, no writes
    answer = engine.ask("北辰区种了多少亩春小麦？")
    print(answer.answer, answer.passages[0].chunk.district)
    answer.to_dict()                             # the JSON answer object of the CLI

Building the index is :func:`qabot.indexer.build`.
"""

__version__ = "0.1.0"

from qabot.engine import Engine
from qabot.errors import CorpusError, EmbedderError, IndexStateError, QabotError, UsageError
from qabot.feedback import FeedbackStore
from qabot.indexer import build
from qabot.store import BuildReport
from qabot.types import Answer, Chunk, Confidence, DocumentInfo, Hit, Mode, Passage

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
