"""Pages served from the built site with their marked regions filled on the server.

The static pages cannot know a session, a reference or a fresh fill-time token, so the
domains' page routes read the built HTML and fill its `portal:` regions with templates
(autoescaped): the form pages get a signed token, `/attend/` shows the session of its link,
`/experts/` and `/training/schedule/` list from the database, the thank-you pages show the
receipt or the reference. Without the server (file://) the regions keep their offline text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from forms_api.errors import ApiError
from forms_api.forms.render import render_form
from forms_api.web import tokens
from forms_api.web.context import Portal, blocking, portal

ONLINE_ONLY = "需要在线查看：请在本站网址上打开本页。"
T = TypeVar("T")


def region(p: Portal, template: str, **values: Any) -> str:
    """A page region drawn by a domain's template (autoescaped)."""
    return p.templates.get_template(template).render(**values)


def note(text: str, kind: str = "") -> str:
    """A one-line note in the site's style; `kind` is `ok` or `warn`."""
    modifier = f" portal-note--{kind}" if kind else ""
    return str(Markup('<p class="portal-note{}">{}</p>').format(modifier, text))


def form_page_route(form: str) -> Any:
    """A page whose form needs only a fresh token (and its serve-time choices)."""

    async def page(request: Request) -> Response:
        p = portal(request)
        spec = p.forms[form]
        choices = await blocking(spec.choices, p.db)
        inner = render_form(spec, token=tokens.issue(p.secret), online=True, choices=choices)
        return HTMLResponse(p.pages.fill(spec.page, {form: inner}))

    return page


class FormState:
    """A form page's values, errors and answer status: the preamble every form page shares."""

    def __init__(self, values: dict[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = values or {}
        self.errors: dict[str, str] = {}
        self.message: str | None = None
        self.status = 200

    async def attempt(self, action: Callable[[], Awaitable[T]]) -> T | None:
        """Run `action`; a refusal is kept, to be shown with what was typed."""
        try:
            return await action()
        except ApiError as exc:
            self.errors, self.message, self.status = dict(exc.fields or {}), exc.message, exc.status
            return None

    def context(self) -> dict[str, Any]:
        return {"values": self.values, "errors": self.errors, "message": self.message}
