"""Baseline security headers on every response, pages and API alike."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S)


def inline_script_hashes(site_dir: Path) -> list[str]:
    """CSP source expressions for every inline script the built theme emits.

    Material puts two small inline scripts in each page (their text depends on the page's
    depth); allowing exactly their hashes keeps `script-src` free of 'unsafe-inline'.
    """
    hashes: set[str] = set()
    for page in site_dir.rglob("*.html"):
        for match in _INLINE_SCRIPT.finditer(page.read_text(encoding="utf-8")):
            attrs, body = match["attrs"], match["body"]
            if "src=" in attrs or 'type="application/json"' in attrs or not body.strip():
                continue
            digest = hashlib.sha256(body.encode("utf-8")).digest()
            hashes.add(f"'sha256-{base64.b64encode(digest).decode()}'")
    return sorted(hashes)


def content_security_policy(script_hashes: Iterable[str] = ()) -> str:
    script_src = " ".join(["'self'", *script_hashes])
    return "; ".join([
        "default-src 'self'",
        f"script-src {script_src}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


NO_STORE_PREFIXES = ("/api/", "/admin/")


def baseline_headers(csp: str) -> dict[str, str]:
    """The headers every answer carries (nginx sends the same with the files it serves)."""
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        "Cross-Origin-Resource-Policy": "same-origin",
        "X-Permitted-Cross-Domain-Policies": "none",
    }


def nginx_headers(site_dir: Path) -> str:
    """`add_header` lines for nginx, with the CSP of this build's inline scripts."""
    csp = content_security_policy(inline_script_hashes(site_dir))
    lines = [f'add_header {name} "{value}" always;' for name, value in baseline_headers(csp).items()]
    return "# Written by `portal build` (forms_api/security.py); included by deploy/nginx.\n" + \
        "\n".join(lines) + "\n"


class SecurityHeadersMiddleware:
    """Adds the baseline headers to every HTTP response; `no-store` under /api and /admin."""

    def __init__(self, app: ASGIApp, csp: str) -> None:
        self.app = app
        self.headers = baseline_headers(csp)
        # Encoded once: each response only appends the pairs it does not set itself.
        self.raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in self.headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The API (exports included) and the admin console carry personal data: never cached.
        path = scope["path"]
        no_store = path.startswith(NO_STORE_PREFIXES) or path in ("/api", "/admin")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {bytes(name).lower() for name, _ in headers}
                headers += [pair for pair in self.raw if pair[0] not in present]
                if no_store:
                    headers = [h for h in headers if bytes(h[0]).lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
