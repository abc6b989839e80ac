"""``qabot serve``: load the engine once, then run the application under uvicorn."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import socket
from typing import Any

from qabot.engine import Engine
from qabot.errors import UsageError
from qabot.generation.config import wanted
from qabot.live import LiveEngine
from qabot.settings import Settings
from qabot.uploads import DocumentAdmin
from qabot.web.config import WebSettings

log = logging.getLogger(__name__)

HEADER_TIMEOUT = 10.0  # seconds from connecting to a complete first request line and headers
REQUESTS = 500  # requests in progress before new ones are answered 503 at once


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_from_cli(args: argparse.Namespace, settings: Settings) -> int:
    """Build or refresh the index like ``qabot ask`` does, then serve until interrupted."""
    try:
        import uvicorn

        from qabot.web.app import create_app
    except ImportError as exc:
        raise UsageError(
            f"the web server needs the 'web' extra ({exc.name} is missing): "
            "pip install 'qabot[web]'",
            "missing_extra",
        ) from None
    web = WebSettings.from_env(rate_limit=args.rate_limit, workers=args.workers)
    if not web.api_key and not _is_loopback(args.host):
        log.warning(
            "serving on %s without QABOT_API_KEY: anyone who can reach it may ask", args.host
        )
    check_address(args.host, args.port)  # before the model loads: a usage error, exit 2
    generator = None
    if wanted(args):  # else no generation code (nor httpx) is imported
        from qabot.generation.frontend import generator_for

        generator = generator_for(args)
    if generator is not None:
        print(
            f"qabot: generated answers from {generator.config.model}, checked sentence by sentence"
        )
    live = LiveEngine(Engine.open(settings).warm(), settings.index, settings.store)
    admin = DocumentAdmin(settings.docs, settings.index, live, settings.store)
    app = create_app(live, web, admin=admin, generator=generator)
    print(f"qabot: serving http://{args.host}:{args.port}/ (API docs at /docs); Ctrl-C stops")
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        access_log=False,  # qabot.web.access logs requests, without the query string
        log_level="info" if args.verbose else "warning",
        server_header=False,
        # Slow or idle clients cannot hold the server (issue 23): a request's headers must
        # arrive within HEADER_TIMEOUT, idle keep-alive ends after 5 s, headers are capped at
        # 16 KB and past REQUESTS requests in progress new ones get a 503 at once.
        http=header_timeout_protocol(),
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=16 * 1024,
    )
    return 0


def check_address(host: str, port: int) -> None:
    """A host that does not resolve or a port already in use is a usage error naming it,
    not uvicorn's raw log line after the model has loaded."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UsageError(f"--host {host!r} does not resolve ({exc})", "bad_address") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise UsageError(
                f"cannot listen on {host}:{port}: {exc.strerror} (another server on that port? "
                "choose another with --port)",
                "bad_address",
            ) from None


def header_timeout_protocol() -> type:
    """uvicorn's h11 protocol, closing a connection whose first request has not started
    (headers incomplete) after :data:`HEADER_TIMEOUT` seconds: uvicorn has no header-read
    timeout, so a thousand half-open connections would otherwise stay forever.

    It also answers 503 at once past :data:`REQUESTS` requests in progress. uvicorn's own
    ``limit_concurrency`` counts open connections, half-open ones too: a thousand slow
    clients made every request, ``/healthz`` included, a 503 until they were dropped."""
    from uvicorn.protocols.http.flow_control import service_unavailable
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeaderTimeout(H11Protocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            app, running = self.app, self.tasks  # running: this server's request tasks

            async def limited(scope: Any, receive: Any, send: Any) -> None:
                busy = len(running) > REQUESTS  # this request's own task is one of them
                await (service_unavailable if busy else app)(scope, receive, send)

            self.app = limited

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self.loop.call_later(HEADER_TIMEOUT, self._drop_if_no_request)

        def _drop_if_no_request(self) -> None:
            cycle: object = self.cycle  # typed as always set; None until a request starts
            if cycle is None and not self.transport.is_closing():
                self.transport.close()

    return HeaderTimeout
