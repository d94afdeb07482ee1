"""Bearer authentication of admin endpoints: `PORTAL_ADMIN_TOKEN` is always one valid token.

Admins added with `portal admin add` have tokens of their own (`forms_api.admin.accounts`).
A client that presents wrong tokens too often is refused with 429 for a while; a valid token
is always accepted, so a colleague behind the same NAT address is never locked out.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel
from starlette.requests import Request

from forms_api.admin.accounts import Admin
from forms_api.admin.state import AdminState, admin_state, off_loop
from forms_api.errors import ApiError
from forms_api.forms.validation import validate
from forms_api.web.intake import client_address, read_submission

M = TypeVar("M", bound=BaseModel)


def _authenticate(state: AdminState, token: str | None, tried: bool, client: str
                  ) -> tuple[Admin | None, int]:
    """The admin of ``token``, or None and the seconds this client is still locked out for.

    Only further wrong attempts are refused and counted: others' failures never lock a valid
    token out. One call, so that on a shared database its queries run on one worker thread.
    """
    admin = state.accounts.authenticate(token)
    if admin is not None:
        return admin, 0
    wait = state.failures.retry_after(client)
    if not wait and tried:
        state.failures.fail(client)
    return None, wait


async def require_admin(request: Request) -> str:
    """The admin's name (`bootstrap` for the environment's token), or 401 (429 while this
    client is locked out after too many failed logins)."""
    state = admin_state(request)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    bearer = token.strip() if scheme.lower() == "bearer" else None
    admin, wait = await off_loop(request, _authenticate, state, bearer, bool(token),
                                 client_address(request))
    if wait:
        raise ApiError(429, message=f"登录失败次数过多，请 {wait} 秒后再试。",
                       headers={"Retry-After": str(wait)})
    if admin is None:
        raise ApiError(401, headers={"WWW-Authenticate": 'Bearer realm="portal-admin"'})
    return admin.name


async def admin_form(request: Request, model: type[M]) -> tuple[str, M]:
    """The admin's name and the validated body: the preamble of every admin write."""
    admin = await require_admin(request)
    submission = await read_submission(request, model)
    return admin, validate(model, submission.data, json=submission.json)
