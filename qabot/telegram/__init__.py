"""The Telegram front end: ``qabot telegram`` (python-telegram-bot v22, async ``Application``).

A question gets the answer the CLI gives — a short extractive answer and cited excerpts —
as Telegram HTML, with buttons to page in place, open a whole paragraph and vote 👍/👎.

Modules, one concept each: :mod:`.config` (token, flags, token-free logs), :mod:`.transport`
(per-chat flood control, start-up retries), :mod:`.scheduler` (fair, bounded retrieval),
:mod:`.state` (SQLite chat state), :mod:`.records` and :mod:`.buttons` (what an answer
keeps, its keyboard), :mod:`.html` (rendering), :mod:`.core` (shared services),
:mod:`.handlers` and :mod:`.callbacks` (thin handlers), :mod:`.app` (wiring and running).
See docs/telegram.md.

python-telegram-bot (0.2 s to import) loads with the first name that needs it: the modules
that do not (config, state, records, html, scheduler) load without it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from qabot.telegram.config import BotConfig

if TYPE_CHECKING:
    from qabot.telegram.app import build_application, run_from_cli, serve
    from qabot.telegram.transport import ApiUnreachable, ChatRateLimiter

# Name → the module that defines it (each one imports python-telegram-bot).
_BOT_NAMES = {
    "ApiUnreachable": "qabot.telegram.transport",
    "ChatRateLimiter": "qabot.telegram.transport",
    "build_application": "qabot.telegram.app",
    "run_from_cli": "qabot.telegram.app",
    "serve": "qabot.telegram.app",
}

__all__ = [
    "ApiUnreachable",
    "BotConfig",
    "ChatRateLimiter",
    "build_application",
    "run_from_cli",
    "serve",
]


def __getattr__(name: str) -> Any:
    if name not in _BOT_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_BOT_NAMES[name]), name)
