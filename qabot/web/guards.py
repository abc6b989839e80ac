"""What stands between a request and the engine: size limit, bearer key, rate limit, access
log, security headers and the vote tokens.

The size limit and the access log are plain ASGI middleware (no per-request task or body
copy, unlike Starlette's ``BaseHTTPMiddleware``), so they add microseconds, not milliseconds.
The rate limit uses the ``limits`` library (moving window, in memory) rather than a
hand-written counter: it is what slowapi and Flask-Limiter build on.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("qabot.web.access")


class ApiError(Exception):
    """An error response: HTTP ``status``, a machine ``reason`` and a one-line message."""

    def __init__(
        self, status: int, reason: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return error_response(self.status, self.reason, str(self), self.headers)


def error_response(
    status: int, reason: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The one error shape of the API: ``{"error": message, "reason": code}``."""
    return JSONResponse({"error": message, "reason": reason}, status_code=status, headers=headers)


class HttpMiddleware:
    """Plain ASGI middleware that sees HTTP requests only (lifespan and websocket scopes
    pass through untouched); a subclass writes :meth:`handle`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


def on_response_start(send: Send, seen: Callable[[Message], None]) -> Send:
    """``send``, first showing ``seen`` the response's start message (status, headers)."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            seen(message)
        await send(message)

    return wrapped


class BodyLimit(HttpMiddleware):
    """Refuse (413 ``request_too_large``) a request body over ``max_body`` bytes, by its
    Content-Length or, for a chunked upload, as soon as the bytes read pass the limit (the
    application then sees the client disconnect, and whatever it answers is dropped)."""

    def __init__(self, app: ASGIApp, max_body: int, larger: dict[str, int] | None = None) -> None:
        super().__init__(app)
        self.max_body = max_body
        self.larger = larger or {}  # path → its own limit (document uploads)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.larger.get(scope["path"], self.max_body)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        refused = False

        async def limited() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                refused = True
                await self._refuse(scope, receive, send, limit)
                return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, limited, guarded)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        message = f"request body over {limit} bytes: send fewer or shorter questions"
        if scope["path"] in self.larger:
            message = f"request body over {limit} bytes: the file is too large"
        await error_response(413, "request_too_large", message)(scope, receive, send)


#: the chat page has no inline script or style and talks only to its own origin
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: FastAPI's Swagger UI page starts itself with an inline script
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'"
)
_COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders(HttpMiddleware):
    """The headers that keep the page from being framed, sniffed or leaking its URL, and a
    Content-Security-Policy that allows only the page's own script and style files (the
    Swagger UI under ``/docs`` needs its inline start-up script)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        policy = DOCS_POLICY if scope["path"].startswith("/docs") else PAGE_POLICY
        extra = [*_COMMON_HEADERS, (b"content-security-policy", policy.encode())]

        def add_headers(message: Message) -> None:
            message["headers"] = [*message.get("headers", []), *extra]

        await self.app(scope, receive, on_response_start(send, add_headers))


class VoteTokens:
    """Who may add a reason to a 👎: the client that cast it. The vote's answer carries an
    HMAC of its id under a key held by this process only, so no other client can forge one
    for somebody else's vote (ids are sequential and shared with Telegram), and a 👍 gets
    none. Nothing is stored; after a restart old votes can no longer be given a reason."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def issue(self, entry_id: int, vote: str) -> str | None:
        """The token for a 👎 entry (``None`` for a 👍: it takes no reason)."""
        return self._sign(entry_id) if vote == "down" else None

    def check(self, entry_id: int, token: str) -> None:
        """:class:`ApiError` 403 ``not_your_vote`` unless ``token`` was issued for ``entry_id``."""
        if not secrets.compare_digest(token.encode(), self._sign(entry_id).encode()):
            raise ApiError(
                403,
                "not_your_vote",
                "this vote was not cast from this page (or the server restarted since): "
                "vote again to add a reason",
            )

    def _sign(self, entry_id: int) -> str:
        return hmac.new(self._key, f"down:{entry_id}".encode(), hashlib.sha256).hexdigest()[:32]


class AccessLog(HttpMiddleware):
    """One INFO line per request: method, path, status, milliseconds, client. Never the body
    or the query string, so a question's text never reaches the log."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500

        def record(message: Message) -> None:
            nonlocal status
            status = message["status"]

        try:
            await self.app(scope, receive, on_response_start(send, record))
        finally:
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client") or ("-", 0)
                access_log.info(
                    "%s %s %d %.1fms %s",
                    scope["method"],
                    scope["path"],
                    status,
                    (time.perf_counter() - started) * 1000,
                    client[0],
                )


class ClientRateLimit:
    """At most ``per_minute`` questions per client address in any minute (0 = no limit)."""

    def __init__(self, per_minute: int) -> None:
        self.item = RateLimitItemPerMinute(per_minute) if per_minute > 0 else None
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def charge(self, client: str, cost: int = 1) -> None:
        """Count ``cost`` questions for ``client``; :class:`ApiError` 429 when over the limit."""
        if self.item is None or self.limiter.hit(self.item, client, cost=cost):
            return
        reset = self.limiter.get_window_stats(self.item, client).reset_time
        wait = max(1, int(reset - time.time() + 0.999))
        raise ApiError(
            429,
            "rate_limited",
            f"too many questions: at most {self.item.amount} a minute; try again in {wait} s",
            {"Retry-After": str(wait)},
        )


bearer = HTTPBearer(auto_error=False, description="Required when the server sets QABOT_API_KEY.")


def require_key(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    """Check ``Authorization: Bearer KEY`` against ``QABOT_API_KEY`` (nothing when unset)."""
    key: str | None = request.app.state.settings.api_key
    if key:
        check_bearer(credentials, key, "API key: send 'Authorization: Bearer KEY'")


def check_bearer(credentials: HTTPAuthorizationCredentials | None, key: str, what: str) -> None:
    """401 unless the request's bearer token is ``key`` (compared in constant time);
    ``what`` names the key and how to send it."""
    given = credentials.credentials if credentials else ""
    if not secrets.compare_digest(given.encode(), key.encode()):
        challenge = {"WWW-Authenticate": "Bearer"}
        raise ApiError(401, "unauthorized", f"missing or wrong {what}", challenge)


def client_of(request: Request) -> str:
    """The address a rate limit counts against (uvicorn resolves X-Forwarded-For from
    trusted proxies, see ``--forwarded-allow-ips``)."""
    return request.client.host if request.client else "unknown"


def describe(exc: Any) -> str:
    """First validation problem of a request body, in one line (``field: message``)."""
    errors = exc.errors() if hasattr(exc, "errors") else []
    if not errors:
        return "invalid request"
    first = errors[0]
    whole_body = len(first.get("loc", ())) <= 1
    if whole_body and first.get("type") in ("model_attributes_type", "dict_type"):
        return "the body must be a JSON object, sent with Content-Type: application/json"
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    return f"{where or 'body'}: {first.get('msg', 'invalid')}"
