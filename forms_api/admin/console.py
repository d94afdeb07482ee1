"""The bureau's console at `/admin/`: login, logout, the overview, and every console route.

Pages are server-rendered (`forms_api/admin/templates/`, and each domain's own); their CSS
and JS are files of the site (`content/assets/admin/`). Only `/admin/` (the login form) and `POST /admin/login` answer
without a session; the route test enumerates the rest.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forms_api.admin import audit, console_ops
from forms_api.admin.accounts import Admin
from forms_api.admin.sessions import COOKIE, COOKIE_PATH
from forms_api.admin.state import AdminState, admin_state, off_loop
from forms_api.admin.web import Ctx, current_session, page, redirect, render, safe_next
from forms_api.errors import ApiError
from forms_api.web.context import blocking, portal
from forms_api.web.intake import client_address, read_submission


async def home(request: Request) -> Response:
    """The overview, or the login form: nothing is shown before credentials."""
    session = await current_session(request)
    if session is None:
        return render(request, "admin/login.html", next=safe_next(request.query_params.get("next")),
                      error=None)
    return await _overview(request, Ctx(request, portal(request), session, None))


async def _overview(request: Request, ctx: Ctx) -> Response:
    registry = admin_state(request).registry
    db = ctx.p.db

    def load() -> dict[str, Any]:
        return {"tiles": [(card, card.load(db)) for card in registry.tiles],
                "cards": [(card, card.load(db)) for card in registry.overview]}

    return ctx.render("admin/home.html", **await blocking(load))


async def login(request: Request) -> Response:
    state = admin_state(request)
    client = client_address(request)
    try:
        data = (await read_submission(request)).data
    except ApiError as exc:
        return render(request, "admin/login.html", exc.status, next="/admin/", error=exc.message)
    target = safe_next(str(data.get("next") or ""))
    token = data.get("token")
    admin, wait, session_id = await off_loop(
        request, _log_in, state, token.strip() if isinstance(token, str) else None, client)
    if admin is None:
        # Only wrong tokens are throttled: a valid one behind the same (NAT) address always
        # logs in, and logging in does not reset the count of someone else's wrong guesses.
        if wait:
            response = render(request, "admin/login.html", 429, next=target,
                              error=f"登录失败次数过多，请 {wait // 60 + 1} 分钟后再试。")
            response.headers["Retry-After"] = str(wait)
            return response
        return render(request, "admin/login.html", 401, next=target,
                      error="令牌不正确。请核对后重新输入（令牌区分大小写）。")
    p = portal(request)
    await blocking(audit.record, p.db, admin.name, "login", "console")
    redirected = redirect(target)
    redirected.set_cookie(COOKIE, session_id, path=COOKIE_PATH, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https",
                        max_age=int(state.sessions.absolute))
    return redirected


def _log_in(state: AdminState, token: str | None, client: str
            ) -> tuple[Admin | None, int, str]:
    """The admin, or None and the lock-out seconds (a wrong token counted); the new session's
    id. One call: on a shared database its queries run on one worker thread."""
    admin = state.accounts.authenticate(token)
    if admin is None:
        wait = state.failures.retry_after(client)
        if not wait:
            state.failures.fail(client)
        return None, wait, ""
    session_id, _ = state.sessions.create(admin)
    return admin, 0, session_id


@page
async def logout(request: Request, ctx: Ctx) -> Response:
    state = admin_state(request)
    await off_loop(request, state.sessions.drop, request.cookies.get(COOKIE))
    response = redirect("/admin/")
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")
    return response


def routes() -> tuple[BaseRoute, ...]:
    """The shell's own console routes; the domains' come after them (see `forms_api.app`)."""
    return (
        Route("/admin", lambda request: redirect("/admin/"), methods=["GET"]),
        Route("/admin/", home, methods=["GET"]),
        Route("/admin/login", login, methods=["POST"]),
        Route("/admin/logout", logout, methods=["POST"]),
        *console_ops.routes(),
    )

