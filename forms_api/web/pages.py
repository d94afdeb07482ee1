"""Pages served from the built site with their marked regions filled on the server.

The static pages cannot know a session, a reference or a fresh fill-time token, so the
domains' page routes read the built HTML and fill its `portal:` regions with templates
(autoescaped): the form pages get a signed token, `/attend/` shows the session of its link,
`/experts/` and `/training/schedule/` list from the database, the thank-you pages show the
receipt or the reference. Without the server (file://) the regions keep their offline text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from forms_api.errors import ApiError
from forms_api.forms import FormSpec
from forms_api.forms.render import render_form, replace_region
from forms_api.web import tokens
from forms_api.web.context import Portal, blocking, portal

ONLINE_ONLY = "需要在线查看：请在本站网址上打开本页。"
T = TypeVar("T")


class SitePages:
    """The built pages, read once each."""

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir
        self._cache: dict[str, str] = {}

    def html(self, page: str) -> str:
        if page not in self._cache:
            self._cache[page] = (self.site_dir / page / "index.html").read_text(encoding="utf-8")
        return self._cache[page]

    def fill(self, page: str, forms: dict[str, str] | None = None,
             slots: dict[str, str] | None = None, base: bool = False) -> str:
        html = self.html(page)
        for name, inner in (forms or {}).items():
            html = replace_region(html, "form", name, inner)
        for name, inner in (slots or {}).items():
            html = replace_region(html, "slot", name, inner)
        if base:
            # Served at another URL (an error page answering a POST): resolve links as the page.
            html = html.replace("<head>", f'<head><base href="/{page}">', 1)
        return html

    def form_page(self, spec: FormSpec, *, values: dict[str, Any], errors: dict[str, str],
                  message: str, token: str, action: str,
                  slots: dict[str, str] | None = None, choices: Any = None) -> str:
        """The page of `spec` again, with what was typed and every error (no-JS path)."""
        # Answered at the POST's address: the page's relative links hold if it is as deep as
        # the page; otherwise a <base> fixes them, and in-page links (#field) would then leave
        # the page and lose what was typed, so the summary does without them.
        same_depth = _depth(action) == _depth("/" + spec.page)
        inner = render_form(spec, values=values, errors=errors, message=message,
                            action=action, token=token, online=True,
                            choices=choices, links=same_depth)
        return self.fill(spec.page, {spec.name: inner}, slots, base=not same_depth)


def _depth(path: str) -> int:
    """How many directories deep a URL path's relative links start from."""
    return path[:path.rfind("/") + 1].count("/")


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
