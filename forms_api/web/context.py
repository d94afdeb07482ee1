"""What the handlers share: settings, the database, forms, pages, templates, the signing key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from jinja2 import Environment
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from forms_api.forms import FormSpec
from forms_api.modules import Module, front_matter
from forms_api.settings import Settings
from forms_api.storage import Database
from forms_api.web.ratelimit import RateLimit
from forms_api.web.site import SitePages

T = TypeVar("T")


def notice_version(settings: Settings) -> str:
    """The privacy notice's `version` front matter: stored with every record."""
    page = settings.content_dir / "privacy.md"
    version = front_matter(page.read_text(encoding="utf-8")).get("version")
    if not version:
        raise RuntimeError(f"{page} has no `version` in its front matter")
    return str(version)


@dataclass(frozen=True)
class SchoolLink:
    """A record field that names a school, declared by its domain (`Domain.school_links`).

    The school registry links, maps and merges through these without importing the domains
    above it: `table` holds records whose `text` field is the school as typed (or the
    registry's name) and whose `school_id` names the registry entry, or null.
    """

    table: str
    text: str
    label: str  # what the mapping list calls these records, in Chinese
    school_id: str = "school_id"


@dataclass
class Portal:
    settings: Settings
    modules: dict[str, Module]
    notice_version: str
    ratelimit: RateLimit
    pages: SitePages
    forms: dict[str, FormSpec]
    templates: Environment
    secret: bytes = b""
    school_links: tuple[SchoolLink, ...] = ()
    _db: Database | None = field(default=None, repr=False)

    @property
    def module_hours(self) -> dict[str, float]:
        """Each training module's 学时, by slug."""
        return {slug: m.hours for slug, m in self.modules.items()}

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("the database is not open (the app's lifespan has not started)")
        return self._db


def portal(request: Request) -> Portal:
    found: Portal = request.app.state.portal
    return found


async def blocking(fn: Callable[..., T], *args: Any) -> T:
    """Run a storage call (it may fsync) off the event loop."""
    return await run_in_threadpool(fn, *args)
