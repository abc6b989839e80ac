"""``qabot serve``: the HTTP API and the web chat page (extra ``web``: FastAPI + uvicorn).

``create_app(engine)`` gives the ASGI application; :mod:`qabot.web.server` runs it. See
``docs/web.md``. FastAPI is imported only when ``create_app`` is first used, so without the
extra ``qabot serve`` can say which package to install instead of failing on an import.
"""

from __future__ import annotations

from typing import Any

from qabot.web.config import WebSettings

__all__ = ["WebSettings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from qabot.web.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
