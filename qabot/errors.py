"""Errors a user can cause or fix, each with the exit code the CLI contract gives it.

Anything raised as a :class:`QabotError` is printed as one line on stderr, never as a
traceback: the message says what is wrong and how to fix it.
"""

from __future__ import annotations


class QabotError(Exception):
    """Base class: a problem the user can act on."""

    exit_code = 1


class UsageError(QabotError):
    """Bad input: an empty or oversized question, an unknown district, a bad flag value."""

    exit_code = 2


class IndexStateError(QabotError):
    """The index is missing, corrupt, or was built with another embedder."""

    exit_code = 3


class CorpusError(QabotError):
    """The corpus cannot be read: no documents, an unreadable folder or catalog."""

    exit_code = 3


class EmbedderError(QabotError):
    """An embedder name that cannot be loaded (unknown backend, model not available offline)."""

    exit_code = 3


__all__ = ["CorpusError", "EmbedderError", "IndexStateError", "QabotError", "UsageError"]
