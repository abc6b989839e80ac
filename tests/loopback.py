"""The loopback HTTP server the fake Bot API and the fake model endpoint run on."""

from __future__ import annotations

import sys
from http.server import ThreadingHTTPServer
from typing import Any


class LoopbackServer(ThreadingHTTPServer):
    """http.server's threading server on 127.0.0.1 (a free port), one daemon thread a
    request. A client that hung up — a test's time-out, a scripted cut or hang — is what the
    fault tests script, not an error: the standard server printed "Exception occurred during
    processing of request" into the suite's output for it. Any other error still prints."""

    daemon_threads = True

    def __init__(self, handler: Any) -> None:
        super().__init__(("127.0.0.1", 0), handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)
