"""Which pages the suite visits, and where their screenshots go."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from forms_api.settings import PROJECT_ROOT

CONTENT = PROJECT_ROOT / "content"
SCREENSHOTS = PROJECT_ROOT / "test-artefacts" / "screenshots"
# Served by the portal but not built from a Markdown page of their own.
SERVED_ONLY = ("/admin/",)
# Pages that answer only with a person's session or a link's token (a certificate, the feedback
# form): without one they refuse (401/404), so the tests that open them live with their domains.
TOKEN_ONLY = ("/me/certificate/", "/feedback/")


def url_of(source: Path) -> str:
    """The served URL of a Markdown page (use_directory_urls)."""
    rel = source.relative_to(CONTENT).with_suffix("").as_posix()
    if rel == "index":
        return "/"
    if rel.endswith("/index"):
        rel = rel[: -len("/index")]
    return f"/{rel}/"


def public_pages() -> list[str]:
    """Every page built from `content/`, known before anything is built."""
    return sorted(url_of(md) for md in CONTENT.rglob("*.md"))


def built_pages(site: Path) -> list[str]:
    """Every page a build produced (to check that `public_pages` misses none)."""
    found = []
    for index in site.rglob("index.html"):
        rel = index.parent.relative_to(site).as_posix()
        if rel.split("/")[0] in {"assets", "search", "downloads"}:
            continue
        found.append("/" if rel == "." else f"/{rel}/")
    return sorted(found)


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """A screenshot under test-artefacts/screenshots/ (git-ignored): the whole page, or just
    the screen as the person sees it now (for results, which the page has scrolled to)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
