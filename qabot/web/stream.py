"""``POST /api/ask?stream=1``: the answer as server-sent events, generated text as it is checked.

Events, in order: ``answer`` (the answer object, extractive, at once; with ``model`` when a
model will write), then — with a model
configured — ``sentence`` (``{"text"}``, one per sentence that passed verification) and
``dropped`` (``{"sentence", "reason"}``) as the model writes, and last ``done`` with
``generated``, ``generated_dropped``, ``model`` and ``generated_notice``. A sentence is sent
only after it was checked against the passages it cites, so nothing unchecked is shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from fastapi.responses import StreamingResponse

if TYPE_CHECKING:  # pragma: no cover
    from qabot.generation.generator import Generator

NOT_CONFIGURED: dict[str, object] = {
    "generated": None,
    "generated_dropped": [],
    "model": None,
    "generated_notice": "",
}


def event(name: str, data: object) -> str:
    """One server-sent event (JSON on one ``data:`` line)."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


def _events(
    answer: dict[str, Any], shown: dict[str, Any], generator: Generator | None
) -> Iterator[str]:
    if generator is not None and not answer["no_answer"]:
        shown = {**shown, "model": generator.config.model}  # the page says it is writing
    yield event("answer", shown)
    if generator is None:
        yield event("done", NOT_CONFIGURED)
        return
    for name, value in generator.stream(answer):
        if name == "sentence":
            yield event("sentence", {"text": value})
        elif name == "dropped":
            yield event("dropped", value)
        else:
            yield event("done", value.fields())


def answer_stream(
    answer: dict[str, Any], shown: dict[str, Any], generator: Generator | None
) -> StreamingResponse:
    """The event stream (run in a worker thread by Starlette: the model client blocks);
    ``shown`` is the answer as sent (without passage texts when the client asked so), the
    model checks against ``answer``'s."""
    return StreamingResponse(
        _events(answer, shown, generator),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
