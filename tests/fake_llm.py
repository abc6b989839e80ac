"""A stand-in for an OpenAI-compatible model server on 127.0.0.1 (Ollama, vLLM, a hosted API).

It speaks ``POST /v1/chat/completions`` — a JSON chat completion, or server-sent events of
``chat.completion.chunk`` objects ending in ``data: [DONE]`` when the request says
``"stream": true`` — and answers with scripted :class:`Reply` objects, in order (the last one
repeats): a text, an HTTP status with headers (429 + Retry-After), a raw body that is not the
protocol, a stream that stops halfway (the connection closes mid-body) or holds a chunk that
is not JSON, or a hang. Every
request is recorded. Only the standard library: ``http.server`` in a thread.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from loopback import LoopbackServer

API_KEY = "sk-test-not-a-real-key-0123456789"


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent as the body instead of a chat completion
    cut_after: int | None = None  # streamed: close the connection after this many chunks
    hang: float = 0.0  # seconds to wait before answering
    chunk_chars: int = 3  # streamed: characters per chunk
    delay: float = 0.0  # streamed: seconds between chunks (a model writing slowly)
    bad_chunk_at: int | None = None  # streamed: this event is not JSON (a malformed chunk)


class FakeLLM:
    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[dict[str, Any]] = []
        self.stop = threading.Event()
        self.server = LoopbackServer(_handler(self))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def script(self, *replies: Reply) -> None:
        self.replies = list(replies)

    def next_reply(self) -> Reply:
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    @contextlib.contextmanager
    def running(self) -> Iterator[FakeLLM]:
        # shutdown() waits for the next poll: a short interval keeps each test's teardown short
        thread = threading.Thread(target=self.server.serve_forever, args=(0.005,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.stop.set()
            self.server.shutdown()
            self.server.server_close()


def _completion(text: str, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(delta: dict[str, str], model: str, finish: str | None = None) -> bytes:
    body = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n".encode()


def _handler(fake: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall between header and body

        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            fake.requests.append(
                {"path": self.path, "authorization": self.headers.get("Authorization"), **body}
            )
            if self.path != "/v1/chat/completions":
                self._send(404, b'{"error": {"message": "not found"}}')
                return
            reply = fake.next_reply()
            if reply.hang and fake.stop.wait(reply.hang):
                return
            if reply.raw is not None or reply.status != 200:
                error = json.dumps({"error": {"message": "scripted", "code": reply.status}})
                self._send(reply.status, reply.raw or error.encode(), reply.headers)
            elif body.get("stream"):
                self._stream(reply, body.get("model", ""))
            else:
                data = json.dumps(
                    _completion(reply.text, body.get("model", "")), ensure_ascii=False
                )
                self._send(200, data.encode())

        def _send(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, reply: Reply, model: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            size = reply.chunk_chars
            pieces = [reply.text[i : i + size] for i in range(0, len(reply.text), size)]
            events = [_chunk({"role": "assistant"}, model)]
            events += [_chunk({"content": piece}, model) for piece in pieces]
            events += [_chunk({}, model, "stop"), b"data: [DONE]\n\n"]
            if reply.bad_chunk_at is not None:
                events[reply.bad_chunk_at] = b'data: {"choices": [{"delta": \n\n'
            for number, event in enumerate(events):
                if reply.cut_after is not None and number > reply.cut_after:
                    self.wfile.flush()
                    self.close_connection = True
                    return  # no terminating chunk: the body is cut
                self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
                self.wfile.flush()
                if reply.delay and fake.stop.wait(reply.delay):
                    return
            self.wfile.write(b"0\r\n\r\n")

    return Handler
