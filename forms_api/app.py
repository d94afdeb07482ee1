"""The composition root: the built site at `/`, the JSON API at `/api`, the console at `/admin/`.

`DOMAINS` lists every domain in order, lowest first; each declares what it adds (see
`forms_api.domain.Domain`) and this module assembles it: routes, forms, page regions, console
menu, overview and export cards, exports, personal-data collections, audit labels, OpenAPI.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from forms_api.admin import api as admin_api
from forms_api.admin import console
from forms_api.admin.registry import Registry
from forms_api.admin.state import AdminState
from forms_api.admin.web import TEMPLATES as ADMIN_TEMPLATES
from forms_api.admin.web import SlashRedirect
from forms_api.bookings.domain import DOMAIN as BOOKINGS
from forms_api.domain import Domain, Job
from forms_api.errors import EXCEPTION_HANDLERS, ApiError, api_error_handler
from forms_api.forms import FormSpec
from forms_api.me.domain import DOMAIN as ME
from forms_api.modules import load_modules
from forms_api.notices.domain import DOMAIN as NOTICES
from forms_api.rota.domain import DOMAIN as ROTA
from forms_api.schools.domain import DOMAIN as SCHOOLS
from forms_api.settings import Settings
from forms_api.stats.domain import DOMAIN as STATS
from forms_api.storage import Database
from forms_api.storage.factory import open_database
from forms_api.trainings.domain import DOMAIN as TRAININGS
from forms_api.volunteers.domain import DOMAIN as VOLUNTEERS
from forms_api.web import openapi, tokens
from forms_api.web.context import Portal, notice_version
from forms_api.web.gate import Gate
from forms_api.web.ratelimit import RateLimit
from forms_api.web.security import content_security_policy, inline_script_hashes
from forms_api.web.site import SitePages
from forms_api.web.static import NotFoundPage, SiteIndex
from forms_api.web.templating import environment

#: Every domain, lowest first: a domain imports only the domains before it.
DOMAINS: tuple[Domain, ...] = (NOTICES, SCHOOLS, TRAININGS, VOLUNTEERS, ROTA, BOOKINGS, STATS,
                               ME)

#: The public forms of every domain, by name (the build hook renders them into the pages).
FORMS: dict[str, FormSpec] = {spec.name: spec for d in DOMAINS for spec in d.forms}
#: The server-filled regions of the built pages, with the text they show offline.
SLOTS: dict[str, str] = {name: text for d in DOMAINS for name, text in d.slots.items()}
#: Every record field that names a school (the registry links, maps and merges them).
SCHOOL_LINKS = tuple(link for d in DOMAINS for link in d.school_links)
#: The shell's own console menu entries, after the domains'.
SHELL_MENU = (("/admin/exports/", "导出"), ("/admin/privacy/", "个人信息"),
              ("/admin/audit/", "操作记录"))

REGISTRY = Registry(
    exports={e.name: e for d in DOMAINS for e in d.exports},
    personal=tuple(c for d in DOMAINS for c in d.personal),
    tiles=tuple(c for d in DOMAINS for c in d.tiles),
    overview=tuple(c for d in DOMAINS for c in d.overview),
    export_cards=tuple(c for d in DOMAINS for c in d.export_cards),
    menu=(*(m for d in DOMAINS for m in d.menu), *SHELL_MENU),
    audit_actions={k: v for d in DOMAINS for k, v in d.audit_actions.items()},
    privacy_checks=tuple(c for d in DOMAINS for c in d.privacy_checks),
)


@functools.cache
def api_document() -> dict[str, Any]:
    """The OpenAPI document of every domain's API."""
    return openapi.document(d.openapi for d in DOMAINS)


class SiteNotBuilt(RuntimeError):
    """The static site is missing: `portal build` has not been run."""


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def modules(request: Request) -> JSONResponse:
    items = [m.summary() for m in request.app.state.modules.values()]
    return JSONResponse({"items": items})


def api_routes() -> list[BaseRoute]:
    return [
        Route("/health", health, methods=["GET"]),
        Route("/modules", modules, methods=["GET"]),
        Route("/openapi.json", openapi.schema, methods=["GET"]),
        *(route for d in DOMAINS for route in d.api),
        *admin_api.routes(),
    ]


def template_folders() -> dict[str, Path]:
    folders = {"admin": ADMIN_TEMPLATES}
    folders.update({d.name: d.templates for d in DOMAINS if d.templates is not None})
    return folders


def job_name(job: Job) -> str:
    """A job's name across instances: its module and function."""
    return f"{job.__module__}.{job.__qualname__}"


async def _run_job(portal: Portal, job: Job) -> None:
    """Run ``job`` on this instance only while no other instance on the database runs it."""
    async with portal.db.singleton(job_name(job)):
        await job(portal)


def create_app(settings: Settings, database: Database | None = None) -> Starlette:
    """Build the whole portal from its settings; nothing is read from the environment here.

    `database`, already open (`portal serve` opens it first to refuse a locked directory
    cleanly), is used by the first start-up instead of opening the data directory there.
    """
    site_dir = settings.site_dir
    if not (site_dir / "index.html").is_file():
        raise SiteNotBuilt(f"No built site in {site_dir}: run `portal build` first.")

    modules_found = load_modules(settings.content_dir)
    templates = environment(template_folders())
    templates.globals["menu"] = REGISTRY.menu
    portal = Portal(settings=settings, modules=modules_found,
                    notice_version=notice_version(settings),
                    ratelimit=RateLimit(settings.rate_limit), pages=SitePages(site_dir),
                    forms=FORMS, templates=templates, school_links=SCHOOL_LINKS)
    admin_state = AdminState.for_portal(portal, REGISTRY)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        nonlocal database
        opened, database = database, None  # given once; a later start-up opens its own
        portal._db = opened if opened is not None else open_database(settings)
        if portal._db.shared:  # the data directory still holds the control socket: private
            settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            portal.secret = tokens.load_shared_secret(portal._db)
        else:
            portal.secret = tokens.load_secret(settings.data_dir)
        tasks: list[asyncio.Task[None]] = []
        try:
            await admin_state.start(portal)
            tasks = [asyncio.create_task(_run_job(portal, job)) for d in DOMAINS for job in d.jobs]
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await admin_state.stop()
            db, portal._db = portal._db, None
            db.close()

    api = Starlette(routes=api_routes(), exception_handlers=EXCEPTION_HANDLERS)
    api.state.settings = settings
    api.state.modules = modules_found
    api.state.portal = portal
    api.state.admin = admin_state
    api.state.openapi = api_document()

    site = SiteIndex(site_dir)
    routes: list[BaseRoute] = [
        Mount("/api", app=api),
        *(route for d in DOMAINS for route in d.pages),
        *console.routes(),
        *(route for d in DOMAINS for route in d.console),
    ]
    # Unknown paths under /admin (after a console path typed without its slash is redirected)
    # get the site's own 404 page; the built site itself is served by the Gate below.
    routes += [SlashRedirect(tuple(routes)), Mount("/", app=NotFoundPage(site))]
    app = Starlette(
        routes=routes,
        # One pass for the access log, the security headers, the host, header-size and
        # origin checks, the built site's files (answered before routing, precompressed at
        # build time) and gzip for what the server builds: see forms_api/web/gate.py.
        middleware=[Middleware(
            Gate, csp=content_security_policy(inline_script_hashes(site_dir)),
            allowed_hosts=settings.allowed_hosts, max_header_bytes=settings.max_header_bytes,
            site=site, dynamic=[r.path for d in DOMAINS for r in d.pages if isinstance(r, Route)],
            prefixes=("/api", "/admin", "/me"), gzip_minimum_size=512)],
        # The pages that take a POST (booking lookup) answer refusals in the API's shape.
        exception_handlers={ApiError: api_error_handler},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.portal = portal
    app.state.admin = admin_state
    return app
