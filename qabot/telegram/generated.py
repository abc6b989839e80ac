"""Generated answers in Telegram (optional; ``QABOT_LLM_*``, see docs/generation.md).

The extractive answer is sent at once, as without a model, under a line saying the model is
writing. The model's reply is then checked sentence by sentence (:mod:`qabot.generation`)
and each sentence that passes is added to that same message by editing it — at most one
edit every :data:`EDIT_EVERY` seconds, however fast the model writes, because Telegram
throttles edits like messages. A 429 on an edit is waited out by the transport; the last
edit, with the whole checked text (or the notice saying why the model's answer was not
used), is always made. A sentence that fails the check is never shown, not even for a
moment. The citations are renumbered to the passages and buttons the message shows.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any

from telegram.ext import ContextTypes

from qabot.generation.generator import Generated, Generator
from qabot.render import shown_passages
from qabot.telegram.core import BotCore, log
from qabot.telegram.records import Record
from qabot.types import Answer

EDIT_EVERY = 1.0  # seconds between two edits of a streamed answer
_CITED = re.compile(r"\[(\d+)\]")
_DONE = object()  # the model's thread ended


def renumber(text: str, number: dict[int, int]) -> str:
    """``[n]`` of the answer object's passages → the number the message shows them under."""
    return _CITED.sub(lambda m: f"[{number.get(int(m.group(1)), int(m.group(1)))}]", text)


def mark_writing(record: Record, generator: Generator) -> None:
    """Mark ``record`` as waiting for the model (its first message says so)."""
    record.update(generated="", generating=True, model=generator.config.model)


async def stream_generated(
    core: BotCore, context: ContextTypes.DEFAULT_TYPE, record: Record, answer: Answer
) -> None:
    """Add the checked sentences to the message of ``record`` as they come (see above). The
    model runs in the loop's default threads: the retrieval workers stay free."""
    assert core.generator is not None
    number = shown_passages(answer)[1]
    events: asyncio.Queue[Any] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    work = loop.run_in_executor(None, _produce, core.generator, answer.to_dict(), events, loop)
    sentences: list[str] = []
    result: Generated | None = None
    edited, shown = _now(), 0  # when the message was last sent or edited; sentences shown
    while True:
        wait = None if shown == len(sentences) else max(0.0, edited + EDIT_EVERY - _now())
        try:
            event = await asyncio.wait_for(events.get(), wait)
        except TimeoutError:  # sentences are waiting and an edit is allowed now
            event = None
        if event is _DONE:
            break
        if event is not None and event[0] == "sentence":
            sentences.append(renumber(event[1], number))
        elif event is not None and event[0] == "done":
            result = event[1]
        if shown < len(sentences) and _now() - edited >= EDIT_EVERY:
            shown = len(sentences)
            await _show(core, context, record, generated="".join(_spaced(sentences, answer)))
            edited = _now()
    try:
        await work
    except Exception as exc:  # not a model failure (those are results): a bug
        log.warning("generated answer failed (%s): the extractive one stands", type(exc).__name__)
        result = None
    await _show(core, context, record, final=True, **_finish(result, number))


async def _show(
    core: BotCore,
    context: ContextTypes.DEFAULT_TYPE,
    record: Record,
    final: bool = False,
    **fields: Any,
) -> None:
    """Edit the answer's message with ``fields`` changed, on the record as stored now (the
    user may have paged or voted meanwhile); the final fields are stored — unless /forget
    deleted the record meanwhile."""
    stored = core.state.answer(record["key"], record["chat_id"])
    shown = {**(stored or record), **fields}
    if final and stored is not None:
        core.state.save(shown)
    await core.show(context, shown)


def _produce(
    generator: Generator,
    data: dict[str, Any],
    events: asyncio.Queue[Any],
    loop: asyncio.AbstractEventLoop,
) -> None:
    """In a thread: the generator's events, handed to the event loop one by one."""
    put: Callable[[Any], None] = events.put_nowait
    try:
        for event in generator.stream(data):
            loop.call_soon_threadsafe(put, event)
    finally:
        loop.call_soon_threadsafe(put, _DONE)


def _spaced(sentences: list[str], answer: Answer) -> list[str]:
    """English sentences are joined by spaces, Chinese ones not (as the generator does)."""
    return sentences if answer.language == "zh" else [f"{s} " for s in sentences]


def _finish(result: Generated | None, number: dict[int, int]) -> dict[str, Any]:
    """The record's fields as they stay: the checked text (or None) and the notice, if any."""
    if result is None:
        return {"generating": False, "generated": None, "generated_status": "error"}
    return {
        "generating": False,
        "generated": renumber(result.text, number) if result.text else None,
        "generated_status": result.status,
        "generated_notice": result.notice,
        "generated_dropped": len(result.dropped),
    }


def _now() -> float:
    return time.monotonic()
