"""Errors a user can cause or fix, each with a machine-readable reason and an exit code.

Anything raised as a :class:`QabotError` is printed by the CLI as one line on stderr, never
as a traceback; the HTTP API and the Telegram bot map ``reason`` to their own replies. The
message says what is wrong and how to fix it, in words that do not assume a command line.
"""

from __future__ import annotations


class QabotError(Exception):
    """Base class: a problem the user can act on.

    ``reason`` is a stable code for machines (``empty_question``, ``unknown_district``,
    ``index_missing`` …); ``exit_code`` is what the CLI returns for it.
    """

    exit_code = 1
    reason = "error"

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class UsageError(QabotError):
    """Bad input: an empty or oversized question, an unknown district, a bad parameter."""

    exit_code = 2
    reason = "bad_input"


class IndexStateError(QabotError):
    """The index is missing, corrupt, or was built with another embedder."""

    exit_code = 3
    reason = "index_unavailable"


class CorpusError(QabotError):
    """The corpus cannot be read: no documents, an unreadable folder or catalog."""

    exit_code = 3
    reason = "corpus_unreadable"


class EmbedderError(QabotError):
    """An embedder name that cannot be loaded (unknown backend, model not available offline)."""

    exit_code = 3
    reason = "embedder_unavailable"


__all__ = ["CorpusError", "EmbedderError", "IndexStateError", "QabotError", "UsageError"]
