"""The statistics API: the figures, the yearly report as XLSX, the bureau's targets."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api.admin.auth import admin_form, require_admin
from forms_api.admin.downloads import attachment
from forms_api.stats import exports, period, targets
from forms_api.stats.figures import figures_for
from forms_api.stats.forms import Targets
from forms_api.web.context import blocking, portal


async def stats(request: Request) -> JSONResponse:
    await require_admin(request)
    p = portal(request)
    chosen = period.from_query(request.query_params)
    return JSONResponse(await blocking(figures_for, p.db, chosen, p.module_hours))


async def report(request: Request) -> Response:
    admin = await require_admin(request)
    chosen = period.from_query(request.query_params)
    body = await blocking(exports.report_xlsx, portal(request), chosen, admin)
    return attachment(body, exports.report_name(chosen), "xlsx")


async def get_targets(request: Request) -> JSONResponse:
    await require_admin(request)
    return JSONResponse(await blocking(targets.load, portal(request).db))


async def put_targets(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, Targets)
    return JSONResponse(await blocking(targets.save, portal(request).db, form, admin))


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/admin/stats", stats, methods=["GET"]),
        Route("/admin/stats/report.xlsx", report, methods=["GET"]),
        Route("/admin/stats/targets", get_targets, methods=["GET"]),
        Route("/admin/stats/targets", put_targets, methods=["PUT"]),
    )
