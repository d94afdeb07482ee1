"""Show the city's own hotline beside 12356, when the bureau has set it (a build-time hook).

`PORTAL_HOTLINE_NAME`, `PORTAL_HOTLINE_NUMBER` and `PORTAL_HOTLINE_HOURS` (all three) add the
line to the help line at the top of every page (`config.extra.hotline`, read by
`overrides/main.html`) and to the help box after its 12356 item. Unset: the pages are as
before. The site is built where it is served (`portal build` reads the same environment).
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from forms_api.settings import Settings

# The help box's 12356 item (snippets/help-box.md), as Markdown renders it.
HELP_BOX_ITEM = re.compile(r"<li><strong>全国统一心理援助热线 12356</strong>.*?</li>", re.S)


def local_line(settings: Settings) -> dict[str, str] | None:
    """The city's line, when all three settings are given."""
    if settings.hotline_name and settings.hotline_number and settings.hotline_hours:
        return {"name": settings.hotline_name, "number": settings.hotline_number,
                "hours": settings.hotline_hours}
    return None


def help_box_item(line: dict[str, str]) -> str:
    return str(Markup("<li><strong>{}（本市） {}</strong>：{}服务，可匿名拨打。</li>").format(
        line["name"], line["number"], line["hours"]))


def add_to_help_box(html: str, line: dict[str, str] | None) -> str:
    if line is None:
        return html
    return HELP_BOX_ITEM.sub(lambda m: m[0] + "\n" + help_box_item(line), html, count=1)


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    line = local_line(Settings.from_env())
    extra: Any = config.extra
    # Escaped once here (Markup): the theme's templates do not autoescape, and Markup is
    # not escaped again when the help box item is formatted.
    extra["hotline"] = {k: escape(v) for k, v in line.items()} if line else None
    return config


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    return add_to_help_box(html, config.extra.get("hotline"))
