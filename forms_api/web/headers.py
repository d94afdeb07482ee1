"""Refuse a request whose request line and headers together exceed the configured size.

The server's protocol (`forms_api.web.protocol`) only bounds the header block at a multiple
of the cap, to keep memory in check while it is read; the gate (`forms_api.web.gate`) counts what was parsed
and answers 431 in the API's shape, so the configured cap holds whatever the reads were.
"""

from __future__ import annotations

from starlette.types import Scope

from forms_api.errors import ApiError


def header_bytes(scope: Scope) -> int:
    """Bytes of the request line and headers as sent (approximately: separators counted)."""
    size = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b""))
    size += len(scope["method"]) + 12
    return size + sum(len(name) + len(value) + 4 for name, value in scope["headers"])


def header_refusal(max_bytes: int) -> ApiError:
    """The 431 `headers_too_large` answered beyond `max_bytes` (by `forms_api.web.gate`)."""
    return ApiError(431, code="headers_too_large",
                    message=f"请求头过大（上限 {max_bytes} 字节），请清除本站 Cookie 后重试。")
