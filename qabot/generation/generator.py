"""Generated answers: ask the model, verify each sentence, fall back to the extractive answer.

The extractive answer and the refusal are computed first (``Engine.ask``); a refused
question never reaches the model. Whatever goes wrong — time-out, HTTP error, 429, a reply
that is not the protocol, a model that ignores the citation format, a stream cut midway —
the result is the extractive answer plus a one-line ``notice``, never an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from qabot.generation.breaker import CircuitBreaker
from qabot.generation.client import ChatClient, LLMError
from qabot.generation.config import LLMConfig
from qabot.generation.prompt import build_messages
from qabot.generation.verify import Verdict, Verifier, join, split_sentences

log = logging.getLogger(__name__)

_FALLBACK = "以下是摘录的答案。"
_NOTICES = {
    "timeout": "模型在{timeout:g}秒内没有回答，",
    "connect": "连不上模型服务，",
    "http": "模型服务出错（{detail}），",
    "rate_limited": "模型服务限流，请{wait:.0f}秒后再试；",
    "malformed": "模型服务的回复格式不对，",
    "empty": "模型没有给出回答，",
    "cut": "模型的回答中断了，",
    "circuit_open": "模型服务连续出错，暂停调用{wait:.0f}秒；",
    "no_citations": "模型没有标注引用，其回答未采用；",
    "all_dropped": "模型回答的句子都没能在引用的段落中核对，",
}


@dataclass
class Generated:
    """The checked text (``None``: use the extractive answer), the dropped sentences with
    their reasons, and ``status``: ``ok``, ``refused`` (not asked: the engine refused) or why
    the model's answer was not used (a key of the notices)."""

    model: str
    text: str | None = None
    dropped: list[dict[str, str]] = field(default_factory=list)
    status: str = "ok"
    notice: str = ""

    def fields(self) -> dict[str, Any]:
        """The answer object's generation fields (docs/contract.md)."""
        return {
            "generated": self.text,
            "generated_dropped": self.dropped,
            "model": self.model,
            "generated_notice": self.notice,
        }


class Generator:
    """One endpoint with its circuit breaker; share it between questions and threads."""

    def __init__(
        self,
        config: LLMConfig,
        breaker: CircuitBreaker | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config
        self.client = ChatClient(config, transport)
        self.breaker = breaker or CircuitBreaker()

    def close(self) -> None:
        self.client.close()

    def generate(self, answer: dict[str, Any]) -> Generated:
        """A checked answer for ``answer`` (``Answer.to_dict()``), in one request."""
        for event, value in self.stream(answer, streamed=False):
            if event == "done" and isinstance(value, Generated):
                return value
        raise AssertionError("stream() always ends with a done event")  # pragma: no cover

    def stream(self, answer: dict[str, Any], streamed: bool = True) -> Iterator[tuple[str, Any]]:
        """Events as the answer is written: ``("sentence", text)`` for each sentence that
        passed verification, ``("dropped", {"sentence", "reason"})`` for each that did not,
        then ``("done", Generated)``. ``streamed=False`` asks for the whole reply at once."""
        result = Generated(self.config.model)
        if answer.get("no_answer") or not answer.get("passages"):
            result.status = "refused"
            yield "done", result
            return
        if (wait := self.breaker.remaining()) > 0:
            yield "done", self._fallback(result, "circuit_open", wait=wait)
            return
        verifier, buffer = Verifier(answer), ""
        kept: list[str] = []
        messages = build_messages(answer)
        try:
            pieces = self.client.stream(messages) if streamed else [self.client.complete(messages)]
            for piece in pieces:
                sentences, buffer = split_sentences(buffer + piece, final=False)
                for sentence in sentences:
                    yield self._judge(verifier.check(sentence), result, kept)
            sentences, _ = split_sentences(buffer, final=True)
            for sentence in sentences:
                yield self._judge(verifier.check(sentence), result, kept)
        except LLMError as exc:
            self.breaker.failure(exc.retry_after if exc.kind == "rate_limited" else None)
            log.info("language model not used: %s", exc)  # kind and status only, no text
            if buffer.strip():
                result.dropped.append({"sentence": buffer.strip(), "reason": "stream cut"})
            wait = exc.retry_after or 0.0
            partial = join(kept, verifier.language) if kept else None
            yield "done", self._fallback(result, exc.kind, partial, detail=exc.detail, wait=wait)
            return
        self.breaker.success()
        if not kept:
            cited = any(d["reason"] != "no citation" for d in result.dropped)
            status = "all_dropped" if cited else "no_citations" if result.dropped else "empty"
            yield "done", self._fallback(result, status)
            return
        result.text = join(kept, verifier.language)
        if result.dropped:
            result.notice = f"删去了{len(result.dropped)}句无法在引用段落中核对的句子。"
        yield "done", result

    @staticmethod
    def _judge(verdict: Verdict, result: Generated, kept: list[str]) -> tuple[str, Any]:
        if verdict.kept:
            kept.append(verdict.sentence)
            return "sentence", verdict.sentence
        dropped = {"sentence": verdict.sentence, "reason": verdict.reason}
        result.dropped.append(dropped)
        return "dropped", dropped

    def _fallback(
        self,
        result: Generated,
        status: str,
        partial: str | None = None,
        detail: str = "",
        wait: float = 0.0,
    ) -> Generated:
        """``result`` with the status and its notice; sentences already checked (and shown,
        in a stream) before a failure are kept."""
        result.status = status
        head = _NOTICES[status].format(timeout=self.config.timeout, detail=detail, wait=wait)
        if partial:
            result.text = partial
            result.notice = head + "只显示已核对的部分。"
        else:
            result.notice = head + _FALLBACK
        return result
