"""gzip for the answers the server builds (filled pages, API lists), only when it is taken.

The site's own files never get here (`forms_api.web.static` sends their build-time copies),
so this compresses only what is built per request. Starlette's middleware inspects every
response even for a client that takes no gzip; here such a request skips it altogether.
"""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

# zlib level 6: nearly level 9's size on a filled page (~20 KB of HTML) for half the time.
LEVEL = 6


class DynamicGZip:
    """Starlette's GZipMiddleware, entered only when the request accepts gzip."""

    def __init__(self, app: ASGIApp, minimum_size: int = 512) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size, compresslevel=LEVEL)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"accept-encoding" and b"gzip" in value.lower():
                    await self.gzip(scope, receive, send)
                    return
        await self.app(scope, receive, send)
