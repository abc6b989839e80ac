"""The Telegram front end: ``qabot telegram`` (python-telegram-bot v22, async ``Application``).

A question gets the answer the CLI gives — a short extractive answer and cited excerpts —
as Telegram HTML, with buttons to page in place, open a whole paragraph and vote 👍/👎.

Modules, one concept each: :mod:`.config` (token, flags, token-free logs), :mod:`.transport`
(per-chat flood control, start-up retries), :mod:`.scheduler` (fair, bounded retrieval),
:mod:`.state` (SQLite chat state), :mod:`.records` and :mod:`.buttons` (what an answer
keeps, its keyboard), :mod:`.html` (rendering), :mod:`.core` (shared services),
:mod:`.handlers` and :mod:`.callbacks` (thin handlers), :mod:`.app` (wiring and running).
See docs/telegram.md.
"""

from qabot.telegram.app import build_application, run_from_cli, serve
from qabot.telegram.config import BotConfig
from qabot.telegram.transport import ApiUnreachable, ChatRateLimiter

__all__ = [
    "ApiUnreachable",
    "BotConfig",
    "ChatRateLimiter",
    "build_application",
    "run_from_cli",
    "serve",
]
