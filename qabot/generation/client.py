"""A client for the OpenAI chat-completions protocol, plain and streamed (server-sent events).

Why ``httpx`` against the documented protocol rather than the ``openai`` package: qabot needs
two calls (``POST /chat/completions`` with ``stream`` false or true), httpx is already
installed (python-telegram-bot depends on it), and every failure — time-out, refused
connection, HTTP status, 429 with ``Retry-After``, a body that is not the protocol — becomes
one :class:`LLMError` with a ``kind`` the generator turns into a one-line notice. Ollama,
vLLM, llama.cpp, DeepSeek, Qwen, GLM and OpenAI all accept this request.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from qabot.generation.config import LLMConfig

DEFAULT_RETRY_AFTER = 30.0


class LLMError(Exception):
    """The endpoint did not give a usable reply. ``kind``: ``timeout``, ``connect``, ``http``,
    ``rate_limited``, ``malformed``, ``empty`` or ``cut`` (a stream that stopped midway)."""

    def __init__(self, kind: str, detail: str, retry_after: float | None = None) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.retry_after = retry_after


class ChatClient:
    """One endpoint and model; safe to share between threads (httpx.Client is)."""

    def __init__(self, config: LLMConfig, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self._http = httpx.Client(
            timeout=httpx.Timeout(config.timeout), headers=headers, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def _body(self, messages: list[dict[str, str]], stream: bool) -> dict[str, Any]:
        return {
            "model": self.config.model,
            "messages": messages,
            "temperature": 0,
            "stream": stream,
        }

    def complete(self, messages: list[dict[str, str]]) -> str:
        """The whole reply text; :class:`LLMError` for anything else."""
        with _errors():
            response = self._http.post(self.config.endpoint, json=self._body(messages, False))
            _check(response)
            try:
                content = response.json()["choices"][0]["message"]["content"]
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                raise LLMError("malformed", "the reply is not a chat completion") from exc
        if not isinstance(content, str) or not content.strip():
            raise LLMError("empty", "the model returned no text")
        return content

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """The reply as it is written, piece by piece; ends with :class:`LLMError` ``cut`` when
        the stream stops before ``[DONE]`` or a finish reason, ``timeout`` past the time limit."""
        deadline = time.monotonic() + self.config.timeout
        finished = False
        with _errors():
            body = self._body(messages, True)
            with self._http.stream("POST", self.config.endpoint, json=body) as response:
                if response.status_code >= 400:
                    response.read()
                _check(response)
                if "text/event-stream" not in response.headers.get("content-type", ""):
                    raise LLMError("malformed", "the reply is not a server-sent event stream")
                for line in response.iter_lines():
                    if time.monotonic() > deadline:
                        raise LLMError("timeout", f"no complete reply in {self.config.timeout:g} s")
                    if not line.startswith("data:"):
                        continue  # blank separators, comments, event names
                    data = line[5:].strip()
                    if data == "[DONE]":
                        finished = True
                        break
                    piece, done = _delta(data)
                    finished = finished or done
                    if piece:
                        yield piece
        if not finished:
            raise LLMError("cut", "the stream stopped before the reply was complete")


def _delta(data: str) -> tuple[str, bool]:
    """The text of one streamed chunk and whether it carries a finish reason."""
    try:
        choice = json.loads(data)["choices"][0]
        piece = choice.get("delta", {}).get("content") or ""
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise LLMError("malformed", "a streamed chunk is not a chat completion chunk") from exc
    if not isinstance(piece, str):
        raise LLMError("malformed", "a streamed chunk's content is not text")
    return piece, bool(choice.get("finish_reason"))


def _check(response: httpx.Response) -> None:
    if response.status_code == 429:
        raise LLMError("rate_limited", "HTTP 429", _retry_after(response))
    if response.status_code >= 400:
        raise LLMError("http", f"HTTP {response.status_code}")


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:  # absent, or an HTTP date: wait the default
        return DEFAULT_RETRY_AFTER


@contextmanager
def _errors() -> Iterator[None]:
    """httpx's exceptions as :class:`LLMError` (a context manager, so it covers generators)."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise LLMError("timeout", "the model did not answer in time") from exc
    except httpx.RemoteProtocolError as exc:
        raise LLMError("cut", "the connection closed before the reply was complete") from exc
    except httpx.HTTPError as exc:
        raise LLMError("connect", type(exc).__name__) from exc
