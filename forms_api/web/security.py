"""Baseline security headers on every response, pages and API alike (added by `web.gate`)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

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
