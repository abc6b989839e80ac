"""The FastAPI application behind ``qabot serve``: the HTTP API and the chat page at ``/``.

Why FastAPI + uvicorn: the ecosystem's default for a Python JSON API — request validation,
OpenAPI docs at ``/docs`` and a test client come with it, and uvicorn serves it on asyncio.

The engine is loaded once. :func:`create_app` takes either a loaded :class:`Engine` or a
function that loads one; the latter runs in a thread at startup while ``/healthz`` says
``loading`` and the API answers 503 ``index_loading``, and when it fails the API answers 503
with the library's reason (``index_missing`` …) instead of the process dying.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException

from qabot.engine import Engine
from qabot.errors import QabotError, UsageError
from qabot.feedback import FeedbackStore
from qabot.live import LiveEngine
from qabot.uploads import DocumentAdmin
from qabot.version import __version__
from qabot.web.config import STATIC, WebSettings
from qabot.web.documents import documents_admin
from qabot.web.guards import (
    AccessLog,
    ApiError,
    BodyLimit,
    ClientRateLimit,
    SecurityHeaders,
    VoteTokens,
    describe,
    error_response,
)
from qabot.web.pool import AnswerPool
from qabot.web.routes import api, page

if TYPE_CHECKING:  # pragma: no cover
    from qabot.generation.generator import Generator

log = logging.getLogger(__name__)

UPLOAD_OVERHEAD = 64 * 1024  # multipart headers around an upload of the size limit


class EngineSlot:
    """The engine, once loaded; until then (or if loading failed) why there is none."""

    def __init__(self, source: Engine | LiveEngine | Callable[[], Engine]) -> None:
        self.live = source if isinstance(source, LiveEngine) else None
        if isinstance(source, LiveEngine):
            source = source.current()
        self.engine: Engine | None = source if isinstance(source, Engine) else None
        self.loader: Callable[[], Engine] | None = None if isinstance(source, Engine) else source
        self.error: QabotError | None = None

    async def load(self) -> None:
        if self.loader is None:
            return
        try:
            loader = self.loader
            self.engine = await asyncio.to_thread(lambda: loader().warm())
        except QabotError as exc:
            self.error = exc
            log.error("index unavailable: %s", exc)

    def get(self) -> Engine:
        """The engine (of the newest index generation, when live); :class:`ApiError` 503
        while loading or when it could not be loaded."""
        if self.live is not None:
            self.engine = self.live.current()
        if self.engine is not None:
            return self.engine
        if self.error is not None:
            raise ApiError(503, self.error.reason, str(self.error))
        raise ApiError(
            503,
            "index_loading",
            "the index is still loading; retry in a few seconds",
            {"Retry-After": "2"},
        )


def status_of(exc: QabotError) -> int:
    """400 for bad input, 404 for an unknown passage, 503 for an index problem."""
    if exc.reason == "unknown_passage":
        return 404
    if isinstance(exc, UsageError):
        return 400
    return 503 if exc.exit_code == 3 else 500


def create_app(
    engine: Engine | LiveEngine | Callable[[], Engine],
    settings: WebSettings | None = None,
    feedback: FeedbackStore | None = None,
    admin: DocumentAdmin | None = None,
    generator: Generator | None = None,
) -> FastAPI:
    """The application serving ``engine`` (or what the loader returns) with ``settings``;
    votes go to ``feedback`` (default: the shared store in the state folder); ``admin``
    takes uploads when ``QABOT_ADMIN_KEY`` is set; ``generator`` (optional) adds checked
    generated answers (qabot.generation)."""
    settings = settings or WebSettings.from_env()
    slot = EngineSlot(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loading = asyncio.create_task(slot.load())
        try:
            yield
        finally:
            loading.cancel()
            app.state.pool.close()

    # FastAPIOffline: /docs with Swagger UI served from the package, not from a CDN, so the
    # API documentation works on an intranet too.
    app = FastAPIOffline(
        redoc_url=None,
        title="qabot",
        version=__version__,
        summary="Questions over Chinese government documents; cited, extractive answers.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = slot
    app.state.pool = AnswerPool(settings.workers, settings.queue, settings.answer_timeout)
    app.state.rate_limit = ClientRateLimit(settings.rate_limit)
    app.state.feedback = feedback
    app.state.admin = admin
    app.include_router(documents_admin)
    app.state.vote_tokens = VoteTokens()
    app.state.generator = generator
    app.include_router(api)
    app.include_router(page)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    uploads = {"/api/documents": (admin.max_bytes + UPLOAD_OVERHEAD)} if admin else {}
    app.add_middleware(BodyLimit, max_body=settings.max_body, larger=uploads)
    # answers are 5–20 KB of JSON: compressed on the way out when the client accepts gzip
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    """Every error is JSON ``{"error", "reason"}``; never a stack trace."""

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(QabotError)
    async def qabot_error(_: Request, exc: QabotError) -> JSONResponse:
        return error_response(status_of(exc), exc.reason, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, "invalid_request", describe(exc))

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        reason = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        headers = dict(exc.headers) if exc.headers else None
        return error_response(exc.status_code, reason, str(exc.detail), headers)

    @app.exception_handler(Exception)
    async def crashed(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error: %s", type(exc).__name__, exc_info=exc)
        return error_response(500, "internal_error", "internal error; see the server log")
