"""The built pages, read once each, with their marked `portal:` regions filled on request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from forms_api.forms import FormSpec
from forms_api.forms.render import render_form, replace_region


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
