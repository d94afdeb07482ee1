"""The console's plumbing: templates, the session guard, CSRF, form reading, answers.

Every console handler is wrapped by `page()`: without a live session a GET is sent to the
login page (`/admin/`) and any other method gets 401; a state change also needs the session's
CSRF token. Templates autoescape everything; no page has inline script or event handlers.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

from forms_api.admin.sessions import COOKIE, Session, csrf_ok
from forms_api.admin.state import admin_state, off_loop
from forms_api.errors import ApiError
from forms_api.web.context import Portal, portal
from forms_api.web.intake import read_submission
from forms_api.web.pages import FormState

__all__ = ["Ctx", "FormState", "page", "redirect", "render"]

NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}
TEMPLATES = Path(__file__).parent / "templates"

Handler = Callable[[Request, "Ctx"], Awaitable[Response]]


class Ctx:
    """What a console handler gets: the portal, the session, the form fields sent."""

    def __init__(self, request: Request, p: Portal, session: Session,
                 form: dict[str, Any] | None) -> None:
        self.request = request
        self.p = p
        self.session = session
        self.form = form or {}

    @property
    def admin(self) -> str:
        return self.session.admin.name

    def text(self, name: str) -> str:
        value = self.form.get(name)
        if isinstance(value, list):
            value = value[0] if value else ""
        return value.strip() if isinstance(value, str) else ""

    def render(self, template: str, http_status: int = 200, **values: Any) -> HTMLResponse:
        return render(self.request, template, http_status, admin=self.session.admin.name,
                      csrf=self.session.csrf, **values)


def render(request: Request, template: str, http_status: int = 200, **values: Any
           ) -> HTMLResponse:
    values.setdefault("admin", None)
    values.setdefault("csrf", "")
    values.setdefault("path", request.url.path)
    html = portal(request).templates.get_template(template).render(**values)
    return HTMLResponse(html, status_code=http_status, headers=NO_STORE)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=NO_STORE)


def safe_next(value: str | None) -> str:
    """Only a console path may be a place to return to after login."""
    if value and value.startswith("/admin/") and "//" not in value and "\\" not in value:
        return value
    return "/admin/"


async def current_session(request: Request) -> Session | None:
    state = admin_state(request)
    return await off_loop(request, state.sessions.get, request.cookies.get(COOKIE),
                          state.accounts)


def page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Require a live console session (and, for a state change, its CSRF token)."""

    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        session = await current_session(request)
        if session is None:
            if request.method in ("GET", "HEAD"):
                target = request.url.path
                return redirect(f"/admin/?next={quote(target)}")
            return render(request, "admin/expired.html", 401)
        form = None
        try:
            if request.method not in ("GET", "HEAD"):
                form = dict((await read_submission(request)).data)
                if not csrf_ok(session, form.pop("csrf", None)):
                    return render(request, "admin/expired.html", 403, forbidden=True)
            return await handler(request, Ctx(request, portal(request), session, form))
        except ApiError as exc:
            return render(request, "admin/problem.html", exc.status, admin=session.admin.name,
                          csrf=session.csrf, message=exc.message)

    guarded.admin_page = True  # type: ignore[attr-defined]
    return guarded


def errors_of(exc: ApiError) -> dict[str, str]:
    return dict(exc.fields or {})



class SlashRedirect(BaseRoute):
    """`/admin/trainings` → `/admin/trainings/`: a console path typed without its slash.

    It matches only when the path with a slash is a console page, so every other path still
    reaches the site's own 404 page.
    """

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self._routes = routes  # the app's routes before this one (not the site's catch-all)

    def _target(self, scope: Scope) -> str | None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/admin/") or path.endswith("/"):
            return None
        candidate = {**scope, "path": path + "/"}
        for route in self._routes:
            if route.matches(candidate)[0] is Match.FULL:
                return path + "/"
        return None

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        return (Match.FULL, {}) if self._target(scope) else (Match.NONE, {})

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = self._target(scope) or "/admin/"
        query = scope.get("query_string", b"").decode("latin-1")
        response = RedirectResponse(target + (f"?{query}" if query else ""), status_code=308,
                                    headers=NO_STORE)
        await response(scope, receive, send)
