"""The admin shell's own API: exports of every domain, privacy operations, the audit log.

All take `Authorization: Bearer <token>` (`require_admin`), like every `/api/admin` route.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api.admin import audit, downloads, privacy
from forms_api.admin.auth import require_admin
from forms_api.admin.lists import page_of
from forms_api.admin.state import admin_state
from forms_api.web.context import blocking, portal
from forms_api.web.intake import read_submission


async def _phone(request: Request) -> str:
    data: dict[str, Any] = (await read_submission(request)).data
    return privacy.phone_of(data.get("phone"))


async def export(request: Request) -> Response:
    admin = await require_admin(request)
    return await downloads.export_file(portal(request), admin_state(request),
                                       request.path_params["name"],
                                       request.path_params["format"],
                                       dict(request.query_params), admin)


async def privacy_lookup(request: Request) -> JSONResponse:
    admin = await require_admin(request)
    phone = await _phone(request)
    found = await blocking(privacy.lookup, portal(request).db,
                           admin_state(request).registry.personal, phone, admin)
    return JSONResponse({"collections": found})


async def privacy_export(request: Request) -> Response:
    admin = await require_admin(request)
    phone = await _phone(request)
    return await downloads.personal_data_file(portal(request),
                                              admin_state(request).registry.personal, phone, admin)


async def privacy_delete(request: Request) -> JSONResponse:
    admin = await require_admin(request)
    phone = await _phone(request)
    counts = await blocking(privacy.delete_by_phone, portal(request).db,
                            admin_state(request).registry.personal, phone, admin)
    return JSONResponse({"deleted": counts})


async def audit_log(request: Request) -> JSONResponse:
    await require_admin(request)
    return JSONResponse(page_of(request, await blocking(audit.entries, portal(request).db)))


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/admin/export/{name}.{format}", export, methods=["GET"]),
        Route("/admin/privacy/lookup", privacy_lookup, methods=["POST"]),
        Route("/admin/privacy/export", privacy_export, methods=["POST"]),
        Route("/admin/privacy/delete", privacy_delete, methods=["POST"]),
        Route("/admin/audit", audit_log, methods=["GET"]),
    )
