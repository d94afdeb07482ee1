"""Bearer authentication of admin endpoints: `PORTAL_ADMIN_TOKEN` is always one valid token.

Admins added with `portal admin add` have tokens of their own (`forms_api.admin.accounts`).
A client that presents wrong tokens too often is refused with 429 for a while; a valid token
is always accepted, so a colleague behind the same NAT address is never locked out.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel
from starlette.requests import Request

from forms_api.admin.state import admin_state
from forms_api.errors import ApiError
from forms_api.forms.validation import validate
from forms_api.web.intake import client_address, read_submission

M = TypeVar("M", bound=BaseModel)


def throttled(request: Request) -> None:
    """429 while this client is locked out after too many failed logins (for a wrong token)."""
    wait = admin_state(request).failures.retry_after(client_address(request))
    if wait:
        raise ApiError(429, message=f"登录失败次数过多，请 {wait} 秒后再试。",
                       headers={"Retry-After": str(wait)})


def require_admin(request: Request) -> str:
    """The admin's name (`bootstrap` for the environment's token), or 401."""
    state = admin_state(request)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    admin = state.accounts.authenticate(token.strip()) if scheme.lower() == "bearer" else None
    if admin is None:
        # Only further wrong attempts are refused: others' failures never lock a valid token out.
        throttled(request)
        if token:
            state.failures.fail(client_address(request))
        raise ApiError(401, headers={"WWW-Authenticate": 'Bearer realm="portal-admin"'})
    return admin.name


async def admin_form(request: Request, model: type[M]) -> tuple[str, M]:
    """The admin's name and the validated body: the preamble of every admin write."""
    admin = require_admin(request)
    submission = await read_submission(request, model)
    return admin, validate(model, submission.data, json=submission.json)
