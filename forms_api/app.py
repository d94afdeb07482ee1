"""The ASGI application: the built site at `/`, the JSON API at `/api`."""

from __future__ import annotations

import contextlib
from typing import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from forms_api import admin, bookings, openapi, pages, tokens, trainings, volunteers
from forms_api.accesslog import AccessLogMiddleware
from forms_api.admin import console
from forms_api.admin.state import AdminState
from forms_api.context import Portal, notice_version
from forms_api.errors import EXCEPTION_HANDLERS, ApiError, api_error_handler
from forms_api.limits import HeaderLimitMiddleware
from forms_api.modules import load_modules
from forms_api.origin import SameOriginWritesMiddleware
from forms_api.ratelimit import RateLimit
from forms_api.security import SecurityHeadersMiddleware, content_security_policy, inline_script_hashes
from forms_api.settings import Settings
from forms_api.storage import Database
from forms_api.web.compress import DynamicGZip
from forms_api.web.static import NotFoundPage, SiteIndex, StaticSite


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
        *trainings.routes(),
        *volunteers.routes(),
        *bookings.routes(),
        *admin.routes(),
    ]


def create_app(settings: Settings, database: Database | None = None) -> Starlette:
    """Build the whole portal from its settings; nothing is read from the environment here.

    `database`, already open (`portal serve` opens it first to refuse a locked directory
    cleanly), is used by the first start-up instead of opening the data directory there.
    """
    site_dir = settings.site_dir
    if not (site_dir / "index.html").is_file():
        raise SiteNotBuilt(f"No built site in {site_dir}: run `portal build` first.")

    modules_found = load_modules(settings.content_dir)
    portal = Portal(settings=settings, modules=modules_found,
                    notice_version=notice_version(settings),
                    ratelimit=RateLimit(settings.rate_limit), pages=pages.SitePages(site_dir))
    admin_state = AdminState.for_portal(portal)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        nonlocal database
        opened, database = database, None  # given once; a later start-up opens its own
        portal._db = opened if opened is not None else Database.open(settings.data_dir)
        portal.secret = tokens.load_secret(settings.data_dir)
        try:
            await admin_state.start(portal)
            yield
        finally:
            await admin_state.stop()
            db, portal._db = portal._db, None
            db.close()

    api = Starlette(routes=api_routes(), exception_handlers=EXCEPTION_HANDLERS)
    api.state.settings = settings
    api.state.modules = modules_found
    api.state.portal = portal
    api.state.admin = admin_state

    site = SiteIndex(site_dir)
    page_routes = pages.routes()
    app = Starlette(
        routes=[
            Mount("/api", app=api),
            *page_routes,
            *console.routes(),
            Mount("/", app=NotFoundPage(site)),  # unknown paths under /admin: the site's 404
        ],
        middleware=[
            Middleware(AccessLogMiddleware),
            Middleware(SecurityHeadersMiddleware,
                       csp=content_security_policy(inline_script_hashes(site_dir))),
            # Host and Origin are checked inside the security headers, so refusals carry them.
            Middleware(TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts),
                       www_redirect=False),
            Middleware(HeaderLimitMiddleware, max_bytes=settings.max_header_bytes),
            Middleware(SameOriginWritesMiddleware),
            # The site's files, precompressed at build time, are answered before routing and
            # compression; only the pages the server fills and the API go on.
            Middleware(StaticSite, site=site,
                       dynamic=[r.path for r in page_routes if isinstance(r, Route)]),
            Middleware(DynamicGZip, minimum_size=512),
        ],
        # The pages that take a POST (booking lookup) answer refusals in the API's shape.
        exception_handlers={ApiError: api_error_handler},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.portal = portal
    app.state.admin = admin_state
    return app
