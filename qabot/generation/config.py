"""Where the optional language model is: base URL, model name, API key, time limit.

Off unless both ``QABOT_LLM_BASE_URL`` and ``QABOT_LLM_MODEL`` are set (or the
``--llm-base-url``/``--llm-model`` flags). The key comes from ``QABOT_LLM_API_KEY`` or the
file named by ``QABOT_LLM_API_KEY_FILE`` — never from a flag (flags show up in ``ps`` and shell
history) — and is kept out of ``repr`` so it never reaches a log line.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

from qabot.errors import UsageError

DEFAULT_TIMEOUT = 20.0


@dataclass(frozen=True)
class LLMConfig:
    """An OpenAI-compatible chat-completions endpoint (``base_url`` ends in ``/v1``)."""

    base_url: str
    model: str
    api_key: str = field(default="", repr=False)
    timeout: float = DEFAULT_TIMEOUT

    @property
    def endpoint(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"

    @classmethod
    def from_env(cls, base_url: str | None = None, model: str | None = None) -> LLMConfig | None:
        """Flags win over the environment; ``None`` when no endpoint is configured.

        A half configuration (a URL without a model or the reverse) or a URL that is not
        http(s) is a :class:`UsageError`: silently answering without the model would hide it.
        """
        env = os.environ
        url = (base_url or env.get("QABOT_LLM_BASE_URL") or "").strip()
        name = (model or env.get("QABOT_LLM_MODEL") or "").strip()
        if not url and not name:
            return None
        if not url or not name:
            missing = "QABOT_LLM_BASE_URL (--llm-base-url)" if not url else "QABOT_LLM_MODEL"
            raise UsageError(
                f"the language model is half configured: set {missing} too", "llm_config"
            )
        if not url.startswith(("http://", "https://")):
            raise UsageError(
                f"QABOT_LLM_BASE_URL must be an http(s) URL ending in /v1, not {url!r}",
                "llm_config",
            )
        return cls(url, name, _api_key(), _timeout(env.get("QABOT_LLM_TIMEOUT")))


def _api_key() -> str:
    key = os.environ.get("QABOT_LLM_API_KEY", "")
    path = os.environ.get("QABOT_LLM_API_KEY_FILE")
    if not key and path:
        try:
            key = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(
                f"cannot read QABOT_LLM_API_KEY_FILE {path}: {exc.strerror}", "llm_config"
            ) from exc
    return key


def _timeout(value: str | None) -> float:
    if not value:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 600:
        raise UsageError(
            f"QABOT_LLM_TIMEOUT must be seconds between 0 and 600, not {value!r}", "llm_config"
        )
    return seconds


def add_llm_flags(parser: argparse.ArgumentParser, what: str) -> None:
    """``--llm`` (``what`` it does) and the endpoint flags; the key has no flag on purpose."""
    parser.add_argument("--llm", action="store_true", help=what)
    parser.add_argument(
        "--llm-base-url", help="OpenAI-compatible URL ending in /v1 (or $QABOT_LLM_BASE_URL)"
    )
    parser.add_argument("--llm-model", help="model name (or $QABOT_LLM_MODEL)")


def wanted(args: argparse.Namespace) -> bool:
    """Whether the command line (``--llm``, the endpoint flags) or the environment names a
    model at all: without one, no generation code (nor httpx) is even imported."""
    env = os.environ
    given = args.llm or args.llm_base_url or args.llm_model
    return bool(given or env.get("QABOT_LLM_BASE_URL") or env.get("QABOT_LLM_MODEL"))
