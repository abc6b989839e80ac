"""Settings of the web server: limits and security, from flags, then environment, then defaults.

Secure by default: bound to loopback by ``qabot serve``, no CORS origin allowed, a per-client
rate limit, a request size limit and a bounded question queue. ``QABOT_API_KEY`` turns on a
bearer key for every ``/api`` route.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from qabot.errors import UsageError

#: the chat page's HTML, JS and CSS (hand-written, no CDN)
STATIC = Path(__file__).with_name("static")

#: the key for adding and removing documents (read at each request, checked at start-up)
ADMIN_KEY = "QABOT_ADMIN_KEY"


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        raise UsageError(f"{name} must be a whole number, not {value!r}", "bad_setting") from None
    if number < 0:
        raise UsageError(f"{name} must not be negative, not {number}", "bad_setting")
    return number


def check_key(name: str, value: str | None) -> None:
    """A bearer key must be printable ASCII with no space at its ends: a request's headers
    arrive as bytes decoded as Latin-1 (and browsers refuse to send anything else), so a key
    like 密钥 could never match and every request would be refused without a word why."""
    if value and not (value.isascii() and value.isprintable() and value == value.strip()):
        raise UsageError(
            f"{name} must be printable ASCII with no spaces at its ends (HTTP headers carry "
            "nothing else, so no request could ever match it); for a random one run "
            '`python -c "import secrets; print(secrets.token_urlsafe())"`',
            "bad_setting",
        )


@dataclass(frozen=True)
class WebSettings:
    """``rate_limit``: questions per client per minute (0 = off; a batch counts each
    question). ``workers``: threads answering questions; ``queue``: questions allowed to wait
    for one before the server answers 503 ``busy``. ``max_body``: bytes per request."""

    api_key: str | None = None
    cors_origins: tuple[str, ...] = ()
    rate_limit: int = 60
    workers: int = 2
    queue: int = 64
    max_batch: int = 20
    max_body: int = 64 * 1024
    answer_timeout: int = 20  # seconds a question (or a batch) may take; 0 = no limit
    channel: str = "web"

    def __post_init__(self) -> None:
        check_key("QABOT_API_KEY", self.api_key)
        if self.workers < 1:
            raise UsageError(f"workers must be at least 1, not {self.workers}", "bad_setting")
        for name in ("rate_limit", "queue", "max_batch", "max_body", "answer_timeout"):
            if getattr(self, name) < 0:
                raise UsageError(f"{name} must not be negative", "bad_setting")

    @classmethod
    def from_env(cls, **overrides: object) -> WebSettings:
        """``QABOT_API_KEY``, ``QABOT_CORS_ORIGINS`` (comma-separated), ``QABOT_RATE_LIMIT``,
        ``QABOT_WEB_WORKERS``, ``QABOT_WEB_QUEUE``, ``QABOT_ANSWER_TIMEOUT``; ``overrides``
        (flags) win when not None."""
        origins = os.environ.get("QABOT_CORS_ORIGINS", "")
        values: dict[str, object] = {
            "api_key": os.environ.get("QABOT_API_KEY") or None,
            "cors_origins": tuple(o.strip() for o in origins.split(",") if o.strip()),
            "rate_limit": _int_env("QABOT_RATE_LIMIT", cls.rate_limit),
            "workers": _int_env("QABOT_WEB_WORKERS", cls.workers),
            "queue": _int_env("QABOT_WEB_QUEUE", cls.queue),
            "answer_timeout": _int_env("QABOT_ANSWER_TIMEOUT", cls.answer_timeout),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        check_key(ADMIN_KEY, os.environ.get(ADMIN_KEY))
        return cls(**values)  # type: ignore[arg-type]
