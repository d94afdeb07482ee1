"""Refuse cross-origin writes: a browser's POST/PUT/PATCH/DELETE from another site gets 403.

Browsers send `Origin` with every such request; a script (curl, the bureau's own tools) sends
none and is let through, subject to the usual authentication and rate limit. Ours is the
scheme and `Host` of the request itself (behind the proxy, the scheme it forwarded), so the
check needs no list of names besides the trusted hosts.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from forms_api.errors import ApiError

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEFAULT_PORTS = {"http": 80, "https": 443}

CROSS_ORIGIN = ApiError(403, code="cross_origin",
                        message="不接受从其他网站发来的提交，请在本站页面上操作。")


def _origin_tuple(scheme: str, netloc: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or parts.path or parts.query or parts.username:
        return None
    return scheme.lower(), parts.hostname.lower(), port or _DEFAULT_PORTS.get(scheme.lower(), 0)


def is_same_origin(origin: str, scheme: str, host: str) -> bool:
    """Whether an `Origin` header names the scheme, host and port the request was sent to."""
    scheme_part, sep, netloc = origin.strip().partition("://")
    if not sep or scheme_part.lower() not in _DEFAULT_PORTS:
        return False  # includes the opaque origin "null"
    theirs = _origin_tuple(scheme_part, netloc)
    ours = _origin_tuple(scheme, host)
    return theirs is not None and theirs == ours
