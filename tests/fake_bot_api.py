"""A small stand-in for Telegram's Bot API on 127.0.0.1, for tests that talk real HTTP.

The real python-telegram-bot ``Application`` is pointed at it with ``base_url``. It serves
queued updates through ``getUpdates`` (long polling, briefly), answers the methods the bot
uses, records every request, and can answer 429 (flood control) or drop the connection on
demand. Like Telegram it can enforce per-chat flood control (``flood_control=(rate, burst)``:
a token bucket per chat for messages and edits, 429 with ``retry_after`` when empty), keeps
the messages it was sent so edits change them, answers ``getChatMember`` from a set of
admins, and makes forum-topic, reply, edited, caption, ``my_chat_member`` and inline-query
updates. Only the standard library: ``http.server`` in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import pytest

from loopback import LoopbackServer

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ"
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "qabot",
    "username": "qabot_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
# Parameters PTB sends JSON-encoded inside a form body.
JSON_FIELDS = {
    "reply_markup",
    "commands",
    "allowed_updates",
    "link_preview_options",
    "reply_parameters",
    "entities",
    "scope",
    "results",
}
# Methods that post or change a message in a chat: the ones Telegram's flood control counts.
COUNTED = {"sendMessage", "editMessageText", "editMessageReplyMarkup"}
MESSAGE_LIMIT = 4096  # UTF-16 units of a message's text after its HTML is parsed
LONG_POLL_CAP = 0.3  # seconds a getUpdates waits for an update before answering []


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeBotAPI:
    """Thread-safe: the bot talks to it from its event loop, the test from its own thread."""

    def __init__(
        self, token: str = TOKEN, flood_control: tuple[float, float] | None = None
    ) -> None:
        self.token = token
        self.flood_control = flood_control
        self.admins: set[tuple[int, int]] = set()  # (chat_id, user_id)
        self.files: dict[str, bytes] = {}  # file_id → content, for getFile and downloads
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # what each chat shows now
        self.deleted: set[tuple[int, int]] = set()  # (chat_id, message_id) users deleted
        self._buckets: dict[int, tuple[float, float]] = {}  # chat → (tokens, at)
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] = {"url": ""}
        self._faults: dict[str, list[tuple[str, int]]] = {}
        self._when: list[tuple[str, Callable[[dict[str, Any]], bool], tuple[str, int]]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._cond = threading.Condition()
        self._server = LoopbackServer(self._handler_class())
        # close() waits for the server's next poll (0.5 s by default): poll often
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.005,), daemon=True
        )

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeBotAPI:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    # ------------------------------------------------------------------ test controls

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (update_id assigned here)."""
        with self._cond:
            update = {"update_id": next(self._update_ids), **update}
            self.updates.append(update)
            self._cond.notify_all()
        return update

    def flood(
        self,
        method: str,
        retry_after: int = 1,
        times: int = 1,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (those whose parameters ``when``
        accepts, if given) with 429 and ``retry_after``."""
        with self._cond:
            if when is None:
                self._faults.setdefault(method, []).extend([("429", retry_after)] * times)
            else:
                self._when.extend([(method, when, ("429", retry_after))] * times)

    def block(self, method: str, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with 403: the user blocked the bot."""
        with self._cond:
            self._faults.setdefault(method, []).extend([("403", 0)] * times)

    def slow(self, method: str, seconds: float, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` after ``seconds`` (a slow network)."""
        with self._cond:
            self._faults.setdefault(method, []).extend([("slow", seconds)] * times)

    def drop(self, method: str, times: int = 1) -> None:
        """Close the connection without answering the next ``times`` calls of ``method``."""
        with self._cond:
            self._faults.setdefault(method, []).extend([("drop", 0)] * times)

    def unconfirmed(self) -> int:
        """Updates not yet confirmed by a later ``getUpdates`` (Telegram would redeliver them)."""
        with self._cond:
            return len(self.updates)

    def requests(self, method: str | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if method is None or c.method == method]

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Parameters of every successful sendMessage, oldest first."""
        return [
            c.params
            for c in self.requests("sendMessage")
            if not c.params.get("_failed")
            and (chat_id is None or int(c.params["chat_id"]) == chat_id)
        ]

    def last_text(self, chat_id: int) -> str:
        """The text of the last message sent to ``chat_id`` ("" if none yet)."""
        sent = self.sent(chat_id)
        return sent[-1]["text"] if sent else ""

    def wait_for(
        self, predicate: Callable[[FakeBotAPI], Any], timeout: float = 20.0, what: str = ""
    ) -> Any:
        """Block until ``predicate(self)`` is truthy; fail with the recorded methods if not."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = predicate(self)
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    methods = [c.method for c in self.calls]
                    raise AssertionError(f"timed out waiting for {what or predicate}: {methods}")
                self._cond.wait(min(remaining, 0.1))

    def wait_sent(self, chat_id: int, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """The messages sent to ``chat_id`` once there are at least ``count``."""
        return self.wait_for(
            lambda api: len(api.sent(chat_id)) >= count and api.sent(chat_id),
            timeout,
            f"{count} message(s) to chat {chat_id}",
        )

    # ------------------------------------------------------------------ the API

    def _fault(self, method: str, params: dict[str, Any]) -> tuple[str, int] | None:
        """The scripted fault for this call, if any (called holding the lock)."""
        faults = self._faults.get(method)
        if faults:
            return faults.pop(0)
        for n, (name, when, fault) in enumerate(self._when):
            if name == method and when(params):
                del self._when[n]
                return fault
        return None

    def _flooded(self, method: str, params: dict[str, Any]) -> tuple[str, int] | None:
        """Telegram-like per-chat token bucket: a 429 fault when the chat has no token left."""
        if self.flood_control is None or method not in COUNTED or "chat_id" not in params:
            return None
        rate, burst = self.flood_control
        chat, now = int(params["chat_id"]), time.monotonic()
        tokens, at = self._buckets.get(chat, (burst, now))
        tokens = min(burst, tokens + (now - at) * rate)
        if tokens < 1:
            self._buckets[chat] = (tokens, now)
            return ("429", max(1, math.ceil((1 - tokens) / rate)))
        self._buckets[chat] = (tokens - 1, now)
        return None

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
        """(HTTP status, JSON body); body None means: drop the connection."""
        with self._cond:
            fault = self._fault(method, params) or self._flooded(method, params)
            delay, fault = (fault[1], None) if fault and fault[0] == "slow" else (0, fault)
            call = Call(method, {**params, "_failed": True} if fault else params)
            if method != "sendMessage" or fault:
                self._record(call)
        time.sleep(delay)  # outside the lock: other calls go on meanwhile
        if fault and fault[0] == "drop":
            return 0, None
        if fault and fault[0] == "403":
            return 403, {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
        if fault:
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {fault[1]}",
                "parameters": {"retry_after": fault[1]},
            }
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        try:
            result = handler(params)
        except _ApiError as exc:
            return exc.status, {"ok": False, "error_code": exc.status, "description": str(exc)}
        if method == "sendMessage":  # recorded with the id it got, for button presses
            call.params["_message_id"] = result["message_id"]
            with self._cond:
                self._record(call)
        return 200, {"ok": True, "result": result}

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._cond.notify_all()

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0) or 0)
        wait = min(float(params.get("timeout", 0) or 0), LONG_POLL_CAP)
        deadline = time.monotonic() + wait
        with self._cond:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed
            while not self.updates and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            return list(self.updates)

    def _message(self, params: dict[str, Any], text: str | None = None) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message = {
            "message_id": int(params.get("message_id") or next(self._message_ids)),
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": BOT_USER,
        }
        if params.get("message_thread_id"):
            message["message_thread_id"] = int(params["message_thread_id"])
            message["is_topic_message"] = True
        if text is not None:
            message["text"] = re.sub(r"<[^>]*>", "", text)
        return message

    def shown(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """What message ``message_id`` of ``chat_id`` shows now (after edits): text, markup."""
        with self._cond:
            return dict(self.messages[(chat_id, message_id)])

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    @staticmethod
    def _check_length(text: str) -> None:
        """Telegram's limit: 4,096 UTF-16 units of the text after the HTML is parsed."""
        if utf16_len(html.unescape(re.sub(r"<[^>]*>", "", text))) > MESSAGE_LIMIT:
            raise _ApiError(400, "Bad Request: message is too long")

    def _check_quoted(self, params: dict[str, Any]) -> None:
        """Telegram's answer to a reply quoting a deleted message, unless it may do without."""
        quoted = params.get("reply_parameters") or {}
        key = (int(params["chat_id"]), int(quoted.get("message_id", 0)))
        if key in self.deleted and not quoted.get("allow_sending_without_reply"):
            raise _ApiError(400, "Bad Request: message to be replied not found")

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_length(params["text"])
        self._check_quoted(params)
        message = self._message(params, params["text"])
        with self._cond:
            self.messages[(message["chat"]["id"], message["message_id"])] = {
                "text": params["text"],
                "reply_markup": params.get("reply_markup"),
            }
        return message

    def _edit(self, params: dict[str, Any], **changes: Any) -> dict[str, Any]:
        if "message_id" not in params:
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        key = (int(params["chat_id"]), int(params["message_id"]))
        with self._cond:
            if key not in self.messages:
                raise _ApiError(400, "Bad Request: message to edit not found")
            now = self.messages[key]
            new = {**now, **changes}
            if new == now:
                raise _ApiError(400, "Bad Request: message is not modified")
            self.messages[key] = new
            return self._message(params, new["text"])

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_length(params["text"])
        return self._edit(params, text=params["text"], reply_markup=params.get("reply_markup"))

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._edit(params, reply_markup=params.get("reply_markup"))

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    def _api_answerInlineQuery(self, params: dict[str, Any]) -> bool:
        return True

    def _api_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat, user = int(params["chat_id"]), int(params["user_id"])
        status = "administrator" if (chat, user) in self.admins else "member"
        member: dict[str, Any] = {"status": status, "user": _user(user)}
        if status == "administrator":
            member.update(
                {
                    key: True
                    for key in [
                        "can_be_edited",
                        "can_manage_chat",
                        "can_change_info",
                        "can_delete_messages",
                        "can_invite_users",
                        "can_restrict_members",
                        "can_pin_messages",
                        "can_promote_members",
                        "can_manage_video_chats",
                        "is_anonymous",
                        "can_post_stories",
                        "can_edit_stories",
                        "can_delete_stories",
                    ]
                }
            )
            member["can_be_edited"] = False
        return member

    def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        data = self.files[params["file_id"]]
        return {
            "file_id": params["file_id"],
            "file_unique_id": f"u{params['file_id']}",
            "file_size": len(data),
            "file_path": f"documents/{params['file_id']}",
        }

    def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        return True

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {"url": ""}
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }

    def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    # ------------------------------------------------------------------ HTTP

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self._handle()

            def do_GET(self) -> None:
                self._handle()

            def _handle(self) -> None:
                download = re.fullmatch(r"/file/bot([^/]+)/documents/(\w+)", unquote(self.path))
                if download and download.group(1) == api.token:
                    return self._send_file(api.files.get(download.group(2), b""))
                match = re.fullmatch(r"/bot([^/]+)/(\w+)(\?.*)?", self.path)
                if not match:
                    return self._reply(
                        404, {"ok": False, "error_code": 404, "description": "Not Found"}
                    )
                token, method = match.group(1), match.group(2)
                if token != api.token:
                    return self._reply(
                        401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
                    )
                status, body = api._answer(method, self._params())
                if body is None:
                    self.close_connection = True
                    self.connection.close()
                    return None
                return self._reply(status, body)

            def _params(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                if "json" in (self.headers.get("Content-Type") or ""):
                    return json.loads(raw or "{}")
                params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(raw).items()}
                for key in JSON_FIELDS & params.keys():
                    params[key] = json.loads(params[key])
                return params

            def _send_file(self, data: bytes) -> None:
                self.send_response(200 if data else 404)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(ConnectionError):  # the bot hung up (shutting down)
                    self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # keep pytest output quiet
                pass

        return Handler


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status


# ---------------------------------------------------------------------------- fixtures
# conftest.py loads these with ``pytest_plugins = ["fake_bot_api"]``.


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    """A fresh fake Bot API on 127.0.0.1 (no flood control unless a test asks for it)."""
    server = FakeBotAPI().start()
    yield server
    server.close()


@pytest.fixture
def config(api: FakeBotAPI, tmp_path: Path) -> Any:
    """The bot's configuration: this test's server, state and feedback in ``tmp_path``."""
    from qabot.telegram import BotConfig

    return BotConfig(
        token=TOKEN,
        state_path=tmp_path / "state" / "telegram.sqlite3",
        feedback_path=tmp_path / "state" / "feedback.sqlite3",
        base_url=api.base_url,
        rate_limit=0,
        webhook_secret="s3cret-for-tests",
    )


# ---------------------------------------------------------------------------- the real bot


class BotThread:
    """``serve()`` in a thread with its own event loop, stopped like Ctrl-C would."""

    def __init__(
        self,
        engine: Any,
        config: Any,
        rate_limiter: Any = None,
        live: Any = None,
        admin: Any = None,
        generator: Any = None,
    ) -> None:
        from qabot.telegram import build_application

        self.application = build_application(
            engine, config, rate_limiter, live=live, admin=admin, generator=generator
        )
        self.config = config
        self.loop: asyncio.AbstractEventLoop | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        from qabot.telegram import serve

        try:
            serve(self.application, self.config, stop_signals=None)
        except BaseException as exc:
            self.error = exc

    def start(self) -> BotThread:
        """Returns once the application runs (or failed to start: see :meth:`stop`)."""
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self.application.running and self._thread.is_alive():
            assert time.monotonic() < deadline, "the bot did not start"
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Graceful stop: pending updates finish and the persistence file is written."""
        if self._thread.is_alive() and self.loop is not None:
            self.loop.call_soon_threadsafe(self.application.stop_running)
        self._thread.join(20)
        assert not self._thread.is_alive(), "the bot did not stop"
        if self.error:
            raise self.error

    def __enter__(self) -> BotThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def running(engine: Any, config: Any) -> BotThread:
    return BotThread(engine, config)


# ---------------------------------------------------------------------------- updates


_update_clock = itertools.count(1)


def _user(user_id: int, language: str = "zh") -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": f"user{user_id}",
        "language_code": language,
    }


def _bot_message(sent: dict[str, Any]) -> dict[str, Any]:
    """A message the bot sent (a recorded sendMessage), as it appears inside an update."""
    return {
        "message_id": int(sent.get("_message_id", 1)),
        "date": int(time.time()),
        "chat": _chat(int(sent["chat_id"])),
        "from": BOT_USER,
        "text": re.sub(r"<[^>]*>", "", sent["text"]),
    }


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"user{chat_id}"}
    return {"id": chat_id, "type": "supergroup", "title": "测试群"}


def message_update(
    text: str | None = None,
    *,
    user_id: int = 1001,
    chat_id: int | None = None,
    thread_id: int | None = None,
    reply_to: dict[str, Any] | None = None,
    edit_of: dict[str, Any] | None = None,
    language: str = "zh",
    **extra: Any,
) -> dict[str, Any]:
    """A message update like Telegram's; commands and @mentions get their entities.

    ``thread_id``: posted in that forum topic; ``reply_to``: a reply to a message the bot
    sent (its recorded sendMessage); ``edit_of``: an edited version of an earlier update."""
    chat_id = user_id if chat_id is None else chat_id
    message: dict[str, Any] = {
        "message_id": next(_update_clock),
        "date": int(time.time()),
        "chat": _chat(chat_id),
        "from": _user(user_id, language),
        **extra,
    }
    if thread_id is not None:
        message.update(message_thread_id=thread_id, is_topic_message=True)
        message["chat"]["is_forum"] = True
    if reply_to is not None:
        message["reply_to_message"] = _bot_message(reply_to)
    if edit_of is not None:
        message["message_id"] = edit_of["message"]["message_id"]
        message["edit_date"] = message["date"] + next(_update_clock)
    if text is not None:
        message["text"] = text
        entities = []
        if text.startswith("/"):
            command = text.split()[0]
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command)})
        command_end = len(text.split()[0]) if text.startswith("/") else 0
        for match in re.finditer(r"@\w+", text):
            if match.start() >= command_end:
                entities.append(
                    {
                        "type": "mention",
                        "offset": utf16_len(text[: match.start()]),
                        "length": utf16_len(match.group()),
                    }
                )
        if entities:
            message["entities"] = entities
    return {"edited_message" if edit_of else "message": message}


def sticker_update(user_id: int = 1001, language: str = "zh") -> dict[str, Any]:
    sticker = {
        "file_id": "CAACAgIAAxkBAAE",
        "file_unique_id": "AgADAQAD",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "👍",
    }
    return message_update(user_id=user_id, language=language, sticker=sticker)


def photo_update(user_id: int = 1001, caption: str | None = None) -> dict[str, Any]:
    photo = [{"file_id": "AgACAgIAAxkBAAE", "file_unique_id": "AQAD", "width": 90, "height": 90}]
    extra = {"caption": caption} if caption else {}
    return message_update(user_id=user_id, photo=photo, **extra)


def document_update(
    api: FakeBotAPI, name: str, data: bytes, user_id: int = 1001, caption: str | None = None
) -> dict[str, Any]:
    """A private message carrying a file (kept by ``api`` for getFile and the download)."""
    file_id = f"doc{next(_update_clock)}"
    api.files[file_id] = data
    document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": name}
    extra = {"caption": caption} if caption else {}
    return message_update(user_id=user_id, document={**document, "file_size": len(data)}, **extra)


def my_chat_member_update(chat_id: int, user_id: int = 1001, joined: bool = True) -> dict[str, Any]:
    """The bot added to (or removed from) group ``chat_id`` by ``user_id``."""
    member = {"status": "member", "user": BOT_USER}
    left = {"status": "left", "user": BOT_USER}
    return {
        "my_chat_member": {
            "chat": _chat(chat_id),
            "from": _user(user_id),
            "date": int(time.time()),
            "old_chat_member": left if joined else member,
            "new_chat_member": member if joined else left,
        }
    }


def inline_update(query: str, user_id: int = 1001) -> dict[str, Any]:
    return {
        "inline_query": {
            "id": f"iq{next(_update_clock)}",
            "from": _user(user_id),
            "query": query,
            "offset": "",
        }
    }


def callback_update(
    data: str, message: dict[str, Any], *, user_id: int = 1001, language: str = "zh"
) -> dict[str, Any]:
    """A press on an inline button of ``message`` (a sendMessage the bot made)."""
    return {
        "callback_query": {
            "id": f"cb{next(_update_clock)}",
            "from": _user(user_id, language),
            "chat_instance": "42",
            "data": data,
            "message": _bot_message(message),
        }
    }
