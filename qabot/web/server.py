"""``qabot serve``: load the engine once, then run the application under uvicorn."""

from __future__ import annotations

import argparse
import ipaddress
import logging

from qabot.engine import Engine, Settings
from qabot.errors import UsageError
from qabot.generation.config import generator_for
from qabot.web.config import WebSettings

log = logging.getLogger(__name__)


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

        from qabot.web.app import create_app, warm
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
    generator = generator_for(args)
    if generator is not None:
        print(
            f"qabot: generated answers from {generator.config.model}, checked sentence by sentence"
        )
    app = create_app(warm(Engine.open(settings)), web, generator=generator)
    print(f"qabot: serving http://{args.host}:{args.port}/ (API docs at /docs); Ctrl-C stops")
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        access_log=False,  # qabot.web.access logs requests, without the query string
        log_level="info" if args.verbose else "warning",
        server_header=False,
    )
    return 0
