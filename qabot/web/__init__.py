"""``qabot serve``: the HTTP API and the web chat page (extra ``web``: FastAPI + uvicorn).

``create_app(engine)`` gives the ASGI application; :mod:`qabot.web.server` runs it. See
``docs/web.md``.
"""

from qabot.web.app import create_app
from qabot.web.config import WebSettings

__all__ = ["WebSettings", "create_app"]
