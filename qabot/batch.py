"""Batch questions: a JSONL file (or stdin) read line by line, so one bad line is one error.

The format is the contract's (docs/contract.md): ``{"question", "id"?, "district"?}`` a line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, BinaryIO

Line = tuple[int, str | int | None, dict[str, Any] | None, str | None]


def read_batch(stream: BinaryIO) -> Iterator[Line]:
    """(line number, id, request, error) for each non-blank line of a JSONL question file.

    Lines are decoded one by one, so a line of invalid UTF-8, broken JSON, a lone surrogate
    or a field of the wrong type is one error and the lines after it are still read.
    """
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            byte = raw[exc.start]
            yield number, None, None, f"line {number}: not valid UTF-8 (byte 0x{byte:02x})"
            continue
        if not line.strip():
            continue
        request, problem = _parse(line)
        if problem:
            yield number, None, None, f"line {number}: not valid JSON ({problem})"
            continue
        if not isinstance(request, dict):
            yield number, None, None, f"line {number}: expected an object with a 'question' string"
            continue
        qid = request.get("id")
        if not (qid is None or isinstance(qid, (str, int))) or not encodable(qid):
            yield number, None, None, f"line {number}: 'id' must be a string or a number"
            continue
        yield number, qid, request, request_problem(request, number)


def _parse(line: str) -> tuple[object, str | None]:
    """The JSON value of a line, or why it is not one (broken syntax, nesting too deep for
    the parser, or an integer longer than Python's int-string conversion limit)."""
    try:
        return json.loads(line), None
    except json.JSONDecodeError as exc:
        return None, exc.msg
    except RecursionError:
        return None, "nested too deeply"
    except ValueError:
        return None, "a number with too many digits"


def encodable(value: object) -> bool:
    """False for text holding a lone surrogate (JSON "\\ud800"), which cannot be printed."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def request_problem(request: dict[str, Any], number: int) -> str | None:
    if not isinstance(request.get("question"), str):
        return f"line {number}: expected an object with a 'question' string"
    district = request.get("district")
    if district is not None and not isinstance(district, str):
        return f"line {number}: 'district' must be a string or null, not {type(district).__name__}"
    if not encodable(request):
        return f"line {number}: a string holds a lone surrogate (\\ud800-\\udfff), not text"
    return None
