"""Every page that uses a glossary term links it to the glossary at its first use in the text."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from forms_api.settings import PROJECT_ROOT
from tests.test_content import _md, _unwrap_blocks

CONTENT = PROJECT_ROOT / "content"
GLOSSARY = CONTENT / "glossary.md"
_ENTRY = re.compile(r"^### (.+?) \{ #([\w-]+) \}$", re.MULTILINE)
# How a term is spelled in running text, where the heading alone would miss or over-match.
_SPELLINGS = {
    "12356 热线": r"12356 ?(?:心理援助)?热线",
    "心理委员": r"心理委员(?!会)",  # 心理委员会 is a different body
    "团体辅导": r"团体辅导(?!室)",  # the room, not the activity
}
_TITLE = re.compile(r"《[^》]*》")


@dataclass(frozen=True)
class Term:
    text: str
    anchor: str
    pattern: re.Pattern[str]


def glossary_terms(glossary: str | None = None) -> list[Term]:
    """The glossary's entries: `### term { #anchor }` headings."""
    source = GLOSSARY.read_text("utf-8") if glossary is None else glossary
    return [Term(text, anchor, re.compile(_SPELLINGS.get(text, re.escape(text))))
            for text, anchor in _ENTRY.findall(source)]


@dataclass(frozen=True)
class Use:
    term: str
    line: int  # 0-based source line of the block holding the first use
    linked: bool


def first_uses(text: str, terms: list[Term]) -> dict[str, Use]:
    """For each term used in the page's prose, its first use and whether that use is a
    link to the term's glossary entry. Headings, code, HTML, front matter, admonition
    titles, 《document titles》 and the text of links to other pages are not prose uses."""
    found: dict[str, Use] = {}
    in_heading = False
    for token in _md.parse(_unwrap_blocks(text)):
        if token.type in ("heading_open", "heading_close"):
            in_heading = token.type == "heading_open"
            continue
        if token.type != "inline" or in_heading or not token.children:
            continue
        line = token.map[0] if token.map else 0
        href: str | None = None
        for child in token.children:
            if child.type == "link_open":
                href = str(child.attrs.get("href", ""))
            elif child.type == "link_close":
                href = None
            elif child.type == "text":
                words = _TITLE.sub("", child.content)  # a document's title is not a use
                for term in terms:
                    if term.text in found or not term.pattern.search(words):
                        continue
                    if href is None or href.split("#")[0].endswith("glossary.md"):
                        linked = href is not None and href.endswith(f"#{term.anchor}")
                        found[term.text] = Use(term.text, line, linked)
    return found


def unlinked_terms(text: str, terms: list[Term]) -> list[str]:
    return sorted(use.term for use in first_uses(text, terms).values() if not use.linked)


def _pages() -> list[Path]:
    return [p for p in sorted(CONTENT.rglob("*.md")) if p != GLOSSARY]


def glossary_href(page: Path, term: Term) -> str:
    return f"{os.path.relpath(GLOSSARY, page.parent)}#{term.anchor}"


def test_glossary_check_finds_a_term_used_without_a_link() -> None:
    terms = glossary_terms("### 守门人 { #gatekeeper }\n\n### 心理委员 { #psych-committee }\n"
                           "\n### 去角色 { #de-roling }\n")
    page = ("---\ntitle: 守门人\n---\n\n# 守门人培训\n\n## 去角色\n\n"
            "班级心理委员会开会，《守门人指南》是书名，`守门人` 在代码里，[守门人课程](gatekeeper.md)是别的页。\n\n"
            "!!! note \"去角色\"\n\n    演完要[去角色](../glossary.md#de-roling)。\n\n"
            "每位守门人都要练习，[守门人](../glossary.md#gatekeeper)再次出现。\n")
    assert unlinked_terms(page, terms) == ["守门人"]
    linked = page.replace("每位守门人", "每位[守门人](../glossary.md#gatekeeper)")
    assert unlinked_terms(linked, terms) == []
    wrong_anchor = page.replace("每位守门人", "每位[守门人](../glossary.md#qpr)")
    assert unlinked_terms(wrong_anchor, terms) == ["守门人"]


def test_glossary_lists_the_terms_the_issue_names() -> None:
    names = {term.text for term in glossary_terms()}
    assert names >= {"四位一体", "一生一策", "医教协同", "守门人", "去角色", "心理委员", "七类重点学生"}


@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(p.relative_to(CONTENT)))
def test_pages_link_glossary_terms_at_first_use(page: Path) -> None:
    missing = unlinked_terms(page.read_text("utf-8"), glossary_terms())
    assert not missing, f"link these terms to the glossary at their first use: {missing}"
