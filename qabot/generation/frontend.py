"""What the front ends call: open the configured model, add its fields to an answer object,
print a streamed answer on a terminal."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from qabot.errors import UsageError
from qabot.generation.config import LLMConfig, wanted
from qabot.generation.generator import Generated, Generator
from qabot.generation.verify import renumber
from qabot.render import shown_passages
from qabot.textnorm import strip_controls
from qabot.types import Answer


def open_generator(
    base_url: str | None = None, model: str | None = None, required: bool = False
) -> Generator | None:
    """The generator for the flags and ``QABOT_LLM_*``; ``None`` when none is configured
    (a :class:`UsageError` instead when ``required``, i.e. ``--llm`` was asked for)."""
    config = LLMConfig.from_env(base_url, model)
    if config is None and required:
        raise UsageError(
            "--llm needs a model endpoint: set QABOT_LLM_BASE_URL (e.g. "
            "http://localhost:11434/v1) and QABOT_LLM_MODEL, or --llm-base-url/--llm-model",
            "llm_config",
        )
    return Generator(config) if config else None


def with_generation(data: dict[str, Any], generator: Generator | None) -> dict[str, Any]:
    """The answer object ``data`` with ``generated``, ``generated_dropped``, ``model`` and
    ``generated_notice`` added; unchanged without a generator."""
    if generator is not None:
        data.update(generator.generate(data).fields())
    return data


def header(model: str) -> str:
    return f"模型回答（{model}，已逐句核对引用）："


def answer_json(answer: Answer, generator: Generator) -> str:
    """The ``--json`` line of an answer with the generation fields."""
    return json.dumps(with_generation(answer.to_dict(), generator), ensure_ascii=False)


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def stream_terminal(
    generator: Generator, answer: Answer, write: Callable[[str], Any] = _write
) -> Generated:
    """Print the checked sentences as they arrive, cited under the numbers the sources are
    printed under below them, then the notice; returns the result."""
    shown, number = False, shown_passages(answer)[1]
    for event, value in generator.stream(answer.to_dict()):
        if event == "sentence":
            text = strip_controls(renumber(value, number))
            write(("" if shown else header(generator.config.model) + "\n") + text)
            shown = True
        elif event == "done" and isinstance(value, Generated):
            lines = ["\n"] if shown else []
            if value.notice:
                lines.append(f"（{value.notice}）\n")
            write("".join(lines))
            return value
    raise AssertionError("stream() always ends with a done event")  # pragma: no cover


def generator_for(args: argparse.Namespace) -> Generator | None:
    """The generator the command line (``--llm`` and the endpoint flags) and the environment
    ask for; the client (httpx) is imported only when a model is named at all."""
    if not wanted(args):
        return None
    return open_generator(args.llm_base_url, args.llm_model, required=args.llm)
