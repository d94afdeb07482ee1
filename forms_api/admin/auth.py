"""Bearer authentication of admin endpoints: `PORTAL_ADMIN_TOKEN` is always one valid token."""

from __future__ import annotations

import hmac

from starlette.requests import Request

from forms_api.context import portal
from forms_api.errors import ApiError


def require_admin(request: Request) -> str:
    """The admin's name (`bootstrap` for the environment's token), or 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    expected = portal(request).settings.admin_token
    if scheme.lower() == "bearer" and token and expected and hmac.compare_digest(
            token.strip().encode(), expected.encode()):
        return "bootstrap"
    raise ApiError(401, headers={"WWW-Authenticate": 'Bearer realm="portal-admin"'})
