"""What the bot needs besides the engine: token, API URL, allow-list, limits, where state lives;
and logs that never show the token.

Everything is read and checked before the model is loaded, so a bad token or flag fails in
a second with one line (exit 2) instead of after the embedder warm-up.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from qabot.errors import UsageError
from qabot.feedback import state_dir

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
BASE_URL_ENV = "TELEGRAM_API_BASE_URL"
ALLOW_ENV = "QABOT_TELEGRAM_ALLOW"
ADMINS_ENV = "QABOT_TELEGRAM_ADMINS"  # user ids who may add documents (comma-separated)
RATE_LIMIT_ENV = "QABOT_TELEGRAM_RATE_LIMIT"
WEBHOOK_SECRET_ENV = "QABOT_TELEGRAM_WEBHOOK_SECRET"
PENDING_MAX_AGE_ENV = "QABOT_TELEGRAM_PENDING_MAX_AGE"
DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
STATE_FILE = "telegram.sqlite3"

PAGE_SIZE = 3  # passages per page of an answer; ‹ › edit the message in place
FETCH_K = 9  # passages retrieved per question: three pages
DEFAULT_RATE_LIMIT = 10  # questions per user per minute
DEFAULT_RETENTION_DAYS = 30  # answers (and their buttons) kept this long
DEFAULT_STARTUP_WAIT = 120.0  # seconds to keep trying to reach the Bot API at start-up
DEFAULT_PENDING_MAX_AGE = 6 * 3600.0  # a question unanswered longer is dropped at start-up
DEFAULT_LISTEN, DEFAULT_PORT = "127.0.0.1", 8443  # the webhook server's address
_TOKEN_RE = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{30,64}")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass(frozen=True)
class BotConfig:
    """Everything the bot needs besides the engine; built from the environment and CLI flags."""

    token: str = field(repr=False)
    state_path: Path
    base_url: str = DEFAULT_API_BASE_URL
    allow: frozenset[int] = frozenset()
    rate_limit: int = DEFAULT_RATE_LIMIT
    webhook_url: str | None = None
    listen: str = DEFAULT_LISTEN
    port: int = DEFAULT_PORT
    webhook_secret: str | None = field(default=None, repr=False)
    k: int = FETCH_K
    page_size: int = PAGE_SIZE
    retention_days: float = DEFAULT_RETENTION_DAYS
    startup_wait: float = DEFAULT_STARTUP_WAIT
    feedback_path: Path | None = None  # None: FeedbackStore's default (the state folder)
    workers: int = 0  # retrieval threads; 0: one per core (at most 4)
    queue_notice: float = 3.0  # seconds a question waits before 「排队中…」 is sent
    answer_timeout: float = 30.0  # seconds before the user is told a question took too long
    admins: frozenset[int] = frozenset()  # user ids who may add/remove documents
    pending_max_age: float = DEFAULT_PENDING_MAX_AGE

    @property
    def base_file_url(self) -> str:
        """``…/bot`` → ``…/file/bot``, the layout of Telegram's and self-hosted servers."""
        return re.sub(r"/bot(?=\{token\}|$)", "/file/bot", self.base_url, count=1)

    @classmethod
    def from_env(
        cls,
        state_path: Path | None = None,
        *,
        allow: str | None = None,
        rate_limit: int | None = None,
        webhook_url: str | None = None,
        listen: str = DEFAULT_LISTEN,
        port: int = DEFAULT_PORT,
        retention_days: float = DEFAULT_RETENTION_DAYS,
        startup_wait: float = DEFAULT_STARTUP_WAIT,
        environ: Mapping[str, str] = os.environ,
    ) -> BotConfig:
        """Validate the token first, so a bad one fails before the model is loaded."""
        allowed = parse_allow(environ.get(ALLOW_ENV, "")) | parse_allow(allow or "")
        if rate_limit is None:
            rate_limit = parse_rate_limit(environ.get(RATE_LIMIT_ENV, ""))
        elif rate_limit < 0:
            raise UsageError(f"--rate-limit must be 0 (off) or more, not {rate_limit}")
        if retention_days <= 0:
            raise UsageError(f"--retention-days must be more than 0, not {retention_days}")
        if startup_wait < 0:
            raise UsageError(f"--startup-wait must be 0 or more seconds, not {startup_wait}")
        if webhook_url is not None:
            check_webhook_url(webhook_url)
        return cls(
            token=read_token(environ),
            state_path=state_path or state_dir() / STATE_FILE,
            base_url=api_base_url(environ.get(BASE_URL_ENV)),
            allow=allowed,
            admins=parse_allow(environ.get(ADMINS_ENV, "")),
            rate_limit=rate_limit,
            webhook_url=webhook_url,
            listen=listen,
            port=port,
            webhook_secret=environ.get(WEBHOOK_SECRET_ENV) or secrets.token_urlsafe(32),
            retention_days=retention_days,
            startup_wait=startup_wait,
            pending_max_age=parse_seconds(PENDING_MAX_AGE_ENV, environ.get(PENDING_MAX_AGE_ENV)),
        )


def read_token(environ: Mapping[str, str] = os.environ) -> str:
    """The bot token; a clear :class:`UsageError` (never quoting it) when missing or malformed."""
    token = environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise UsageError(
            f"{TOKEN_ENV} is not set: create a bot with @BotFather (/newbot) and "
            f"export {TOKEN_ENV}=<the token it gives you>"
        )
    if not _TOKEN_RE.fullmatch(token):
        raise UsageError(
            f"{TOKEN_ENV} is malformed ({len(token)} characters): a bot token is digits, "
            "a colon and about 35 letters, digits, '-' or '_' (123456789:AA…); "
            "copy it again from @BotFather"
        )
    return token


def api_base_url(value: str | None) -> str:
    """``TELEGRAM_API_BASE_URL`` up to ``/bot`` (a bare ``http://host:8081`` gets ``/bot``)."""
    url = (value or DEFAULT_API_BASE_URL).strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(
            f"{BASE_URL_ENV} must be an http(s) URL such as {DEFAULT_API_BASE_URL} "
            "or http://localhost:8081/bot"
        )
    if "{token}" not in url and not url.endswith("/bot"):
        url += "/bot"
    return url


def check_webhook_url(url: str) -> None:
    """A webhook URL must be absolute: Telegram posts updates to it from outside."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError("--webhook-url must be a full URL such as https://bot.example.org/qabot")


def parse_allow(value: str) -> frozenset[int]:
    """``"123, -100456"`` → user and chat ids (group ids are negative)."""
    ids = set()
    for item in re.split(r"[,\s]+", value.strip()):
        if not item:
            continue
        if not re.fullmatch(r"-?\d+", item):
            raise UsageError(
                f"allow-list entry {item!r} is not a numeric Telegram user or chat id "
                f"({ALLOW_ENV} / --allow take ids such as 123456789,-1001234567890)"
            )
        ids.add(int(item))
    return frozenset(ids)


def parse_rate_limit(value: str) -> int:
    """``QABOT_TELEGRAM_RATE_LIMIT``: questions per user per minute, empty = the default."""
    if not value.strip():
        return DEFAULT_RATE_LIMIT
    if not value.strip().isdigit():
        raise UsageError(f"{RATE_LIMIT_ENV} must be a number of questions per minute (0 = off)")
    return int(value)


def parse_seconds(name: str, value: str | None) -> float:
    """``QABOT_TELEGRAM_PENDING_MAX_AGE``: seconds (> 0), empty = the default."""
    if not (value or "").strip():
        return DEFAULT_PENDING_MAX_AGE
    try:
        seconds = float(value or "")
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise UsageError(f"{name} must be a number of seconds above 0, not {value!r}")
    return seconds


# ---------------------------------------------------------------------------- token-free logs


class RedactToken(logging.Filter):
    """Masks the bot token (and its secret half) in a record's message and traceback."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.secrets = [token, token.partition(":")[2]]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "<TOKEN>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken log call elsewhere: let the handler report it as usual
            return True
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def protect_logs(token: str) -> None:
    """httpx logs URLs (which contain the token) at INFO: keep it at WARNING, and redact."""
    httpx_logger = logging.getLogger("httpx")
    if httpx_logger.getEffectiveLevel() < logging.WARNING:
        httpx_logger.setLevel(logging.WARNING)
    redactor = RedactToken(token)
    for target in (*logging.getLogger().handlers, httpx_logger):
        if not any(
            isinstance(f, RedactToken) and f.secrets == redactor.secrets for f in target.filters
        ):
            target.addFilter(redactor)


def configure_logging(verbosity: int) -> None:
    """A long-running service logs with timestamps, at INFO by default (``-v``: DEBUG)."""
    logging.basicConfig(
        level=logging.DEBUG if verbosity > 1 else logging.INFO, format=LOG_FORMAT, force=True
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # PTB logs each rate-limit retry and update at INFO/DEBUG; our own lines say what matters.
    logging.getLogger("telegram.ext").setLevel(logging.WARNING)
