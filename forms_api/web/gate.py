"""The portal's front door in one pass: every check of the request path, one send wrapper.

What used to be seven middleware layers (access log, security headers, trusted host, header
limit, same-origin writes, the static site, dynamic gzip), each a coroutine call and most a
closure around `send`, is one ASGI callable here, in the same order and with the same
answers:

1. the access-log line is written when the request ends, whatever happened (`accesslog`);
2. every answer, refusals included, gets the baseline security headers and, under /api and
   /admin, `Cache-Control: no-store` (`security`);
3. a `Host` that is not an allowed host gets 400 (Starlette's `TrustedHostMiddleware`, asked
   once per distinct header value: accepted values are remembered);
4. a request line and headers over the cap get 431 (`headers`);
5. a write whose `Origin` is another site gets 403 (`origin`);
6. a path of the built site is answered from memory (`static`), before any routing;
7. what the server builds is gzipped when the client takes it (`compress`).

Measured by `bench/bench_wrk.py`: the layers, not what they check, were most of a health
request's cost in the app.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forms_api.errors import error_response
from forms_api.web import accesslog
from forms_api.web.compress import LEVEL
from forms_api.web.headers import header_bytes, header_refusal
from forms_api.web.origin import CROSS_ORIGIN, WRITE_METHODS, is_same_origin
from forms_api.web.security import NO_STORE_PREFIXES, baseline_headers
from forms_api.web.static import SiteIndex, StaticSite

#: Distinct accepted `Host` values remembered (a client cannot grow this: only allowed
#: hosts are kept, and each allowed host has few spellings).
HOSTS_KEPT = 64
_HOST_OK = "portal.host_ok"


async def _host_allowed(scope: Scope, receive: Receive, send: Send) -> None:
    scope[_HOST_OK] = True


class Gate:
    """The ASGI middleware in front of the router (see the module's docstring)."""

    def __init__(self, app: ASGIApp, *, csp: str, allowed_hosts: Iterable[str],
                 max_header_bytes: int, site: SiteIndex, dynamic: Iterable[str] = (),
                 prefixes: tuple[str, ...] = ("/api", "/admin"),
                 gzip_minimum_size: int = 512) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=gzip_minimum_size, compresslevel=LEVEL)
        self.static = StaticSite(app, site, dynamic, prefixes)
        # Encoded once: each answer only appends the pairs it does not set itself.
        self.raw = [(k.lower().encode("latin-1"), v.encode("latin-1"))
                    for k, v in baseline_headers(csp).items()]
        self.raw_names = frozenset(name for name, _ in self.raw)
        self.hosts = TrustedHostMiddleware(_host_allowed, allowed_hosts=list(allowed_hosts),
                                           www_redirect=False)
        self.hosts_ok: set[bytes] = set()
        self.max_header_bytes = max_header_bytes
        self.too_large = header_refusal(max_header_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope["path"]
        # The API (exports included) and the admin console carry personal data: never cached.
        no_store = path.startswith(NO_STORE_PREFIXES) or path in ("/api", "/admin")
        raw, raw_names = self.raw, self.raw_names
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                present = {bytes(name).lower() for name, _ in headers}
                if present.isdisjoint(raw_names):
                    headers += raw
                else:
                    headers += [pair for pair in raw if pair[0] not in present]
                if no_store:
                    if b"cache-control" in present:
                        headers = [h for h in headers if bytes(h[0]).lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self._route(scope, receive, send_with_headers, path)
        finally:
            accesslog.record(scope["method"], path, status, started)

    async def _route(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        host: bytes | None = None
        origin: bytes | None = None
        accepts_gzip = False
        for name, value in scope["headers"]:  # the first Host and Origin count, as in Headers
            if name == b"host":
                host = value if host is None else host
            elif name == b"accept-encoding":
                accepts_gzip = accepts_gzip or b"gzip" in value.lower()
            elif name == b"origin":
                origin = value if origin is None else origin
        if host is None or host not in self.hosts_ok:
            await self.hosts(scope, receive, send)  # answers 400 itself when refused
            if not scope.pop(_HOST_OK, False):
                return
            if host is not None and len(self.hosts_ok) < HOSTS_KEPT:
                self.hosts_ok.add(host)
        if header_bytes(scope) > self.max_header_bytes:
            await error_response(self.too_large)(scope, receive, send)
            return
        if origin is not None and scope["method"] in WRITE_METHODS and not is_same_origin(
                origin.decode("latin-1"), scope.get("scheme", "http"), (host or b"").decode("latin-1")):
            await error_response(CROSS_ORIGIN)(scope, receive, send)
            return
        if not self.static.passes(path):
            await self.static.serve(scope, receive, send)
        elif accepts_gzip:
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
