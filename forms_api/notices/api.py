"""The outbox's admin API: list notices; retry a failed one; mark one passed on by hand."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from forms_api.admin.auth import require_admin
from forms_api.admin.lists import page_of, status_filter
from forms_api.notices import handling
from forms_api.notices.outbox import STATUSES
from forms_api.web.context import blocking, portal


async def list_outbox(request: Request) -> JSONResponse:
    await require_admin(request)
    status = status_filter(request, tuple(STATUSES))
    found = await blocking(handling.notices, portal(request).db, status)
    return JSONResponse(page_of(request, [handling.item(n) for n in found]))


async def retry(request: Request) -> JSONResponse:
    admin = await require_admin(request)
    notice = await blocking(handling.retry, portal(request).db, request.path_params["id"], admin)
    return JSONResponse(handling.item(notice))


async def handed(request: Request) -> JSONResponse:
    admin = await require_admin(request)
    notice = await blocking(handling.hand, portal(request).db, request.path_params["id"], admin)
    return JSONResponse(handling.item(notice))


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/admin/outbox", list_outbox, methods=["GET"]),
        Route("/admin/outbox/{id}/retry", retry, methods=["POST"]),
        Route("/admin/outbox/{id}/handed", handed, methods=["POST"]),
    )
