"""Show each training module's hours and audience, and its objectives, from its front matter.

The front matter is the single source (the API lists the same modules from it), so a module
page writes neither its 学时 line nor its objectives list by hand: this hook puts a meta line
under the page's title and renders `objectives` as the body of its `## 学习目标` section. Any
prose the author keeps in that section follows the list. The build fails on a module whose
front matter is malformed, that lacks the section, or that also lists objectives by hand.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from forms_api.modules import Module, ModuleError, load_module

SECTION = "学习目标"
LEAD = "学完本模块，参训教师应当达到以下目标："
_TITLE = re.compile(r"^# .+\n", re.MULTILINE)
_SECTION = re.compile(rf"^## {SECTION}[ \t]*\n(?P<body>.*?)(?=^## |\Z)", re.MULTILINE | re.DOTALL)
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d+[.)])[ \t]", re.MULTILINE)


def is_module(page: Page) -> bool:
    """A page under training/ whose front matter names a slug, as `load_modules` counts it."""
    return page.file.src_uri.startswith("training/") and "slug" in page.meta


def meta_line(module: Module) -> str:
    """The line under a module's title: hours, audience and the date it was last revised."""
    parts = [f"学时：{module.hours:g}", f"对象：{'、'.join(module.audience)}",
             f"更新：{module.updated.isoformat()}"]
    spans = "".join(f'<span>{html.escape(part)}</span>' for part in parts)
    return f'<p class="module-meta">{spans}</p>\n'


def objectives_block(module: Module) -> str:
    """The front matter's objectives as the numbered list the section opens with."""
    items = "".join(f"{n}. {objective}\n" for n, objective in enumerate(module.objectives, 1))
    return f"{LEAD}\n\n{items}"


def render(markdown: str, module: Module, src_uri: str) -> str:
    """The page's Markdown with the meta line and the objectives put in."""
    title = _TITLE.search(markdown)
    if title is None:
        raise PluginError(f"module_pages: {src_uri} has no '# ' title to put the 学时 line under")
    section = _SECTION.search(markdown)
    if section is None:
        raise PluginError(f"module_pages: {src_uri} lacks the '## {SECTION}' section")
    body = section["body"]
    if _LIST_ITEM.search(body):
        raise PluginError(f"module_pages: {src_uri} lists objectives by hand under "
                          f"'## {SECTION}'; they come from the front matter's `objectives`, "
                          "so remove the hand-written list")
    if title.end() > section.start():
        raise PluginError(f"module_pages: {src_uri} puts '## {SECTION}' before its title")
    prose = body.strip()
    filled = f"## {SECTION}\n\n{objectives_block(module)}\n" + (f"{prose}\n\n" if prose else "")
    return (markdown[:title.end()] + "\n" + meta_line(module)
            + markdown[title.end():section.start()] + filled + markdown[section.end():])


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if not is_module(page):
        return markdown
    if page.file.abs_src_path is None:
        raise PluginError(f"module_pages: {page.file.src_uri} has no source file")
    try:
        module = load_module(Path(page.file.abs_src_path))
    except ModuleError as exc:
        raise PluginError(f"module_pages: {exc}") from exc
    return render(markdown, module, page.file.src_uri)
