"""Render the public forms into their pages from their declarations (forms_api.forms).

A page asks for a form with `<!-- portal:form NAME -->` and for a server-filled region with
`<!-- portal:slot NAME -->` on a line of its own. The build puts the form (or the region's
offline text) there between markers the server later fills: a fresh fill-time token, the
session of a check-in link, the list of experts. Unknown names fail the build.
"""

from __future__ import annotations

import re

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from forms_api.app import FORMS, SLOTS
from forms_api.forms.render import MARKER, region, render_form, with_address


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    # The portal's public address (`PORTAL_SITE_URL`, passed by `portal build`), named in the
    # notes the offline copy shows where a page needs the server.
    site_url = (config.extra.get("portal_site_url") if config is not None else None) or None

    def fill(match: re.Match[str]) -> str:
        kind, name = match["kind"], match["name"]
        if kind == "form":
            if name not in FORMS:
                raise PluginError(f"forms: {page.file.src_uri} asks for unknown form {name!r}; "
                                  f"known: {', '.join(FORMS)}")
            notice = files.get_file_from_path("privacy.md")
            if notice is None:
                raise PluginError("forms: every form links the privacy notice, privacy.md")
            privacy = notice.url_relative_to(page.file)
            return region("form", name, render_form(FORMS[name], privacy=privacy,
                                                   site_url=site_url))
        if name not in SLOTS:
            raise PluginError(f"forms: {page.file.src_uri} asks for unknown slot {name!r}; "
                              f"known: {', '.join(SLOTS)}")
        return region("slot", name, with_address(SLOTS[name], site_url))

    return MARKER.sub(fill, html)
