"""Console pages for exports, privacy operations (by phone number, retention) and the audit log."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forms_api.admin import audit, downloads, privacy_ops
from forms_api.admin.exports import BOOKING_STATUSES, EXPORTS, VOLUNTEER_STATUSES
from forms_api.admin.web import Ctx, errors_of, page
from forms_api.context import blocking
from forms_api.errors import ApiError
from forms_api.forms._fields import EXPERTISE

AUDIT_PAGE = 100


@page
async def exports_page(request: Request, ctx: Ctx) -> Response:
    sessions = await blocking(ctx.p.db.table("trainings").all)
    sessions.sort(key=lambda s: s["starts_at"], reverse=True)
    return ctx.render("exports.html", exports=EXPORTS, sessions=sessions,
                      volunteer_statuses=VOLUNTEER_STATUSES, booking_statuses=BOOKING_STATUSES)


@page
async def export_file(request: Request, ctx: Ctx) -> Response:
    return await downloads.export_file(ctx.p, request.path_params["name"],
                                       request.path_params["format"],
                                       dict(request.query_params), ctx.admin)


@page
async def calendar_file(request: Request, ctx: Ctx) -> Response:
    return await downloads.calendar_file(ctx.p, ctx.admin)


@page
async def privacy(request: Request, ctx: Ctx) -> Response:
    errors: dict[str, str] = {}
    message = None
    status = 200
    found: dict[str, list[dict[str, Any]]] | None = None
    deleted: dict[str, int] | None = None
    purged: dict[str, int] | None = None
    phone = ""
    if request.method == "POST":
        action = ctx.text("action")
        try:
            if action == "purge":
                purged = await blocking(privacy_ops.purge, ctx.p.db, ctx.p.settings, ctx.admin)
            else:
                phone = privacy_ops.phone_of(ctx.text("phone"))
                if action == "export":
                    return await downloads.personal_data_file(ctx.p, phone, ctx.admin)
                if action == "delete":
                    if ctx.text("confirm") not in ("on", "true", "1"):
                        raise ApiError(422, message="删除前请勾选确认。",
                                       fields={"confirm": "请勾选确认：删除后无法恢复"})
                    deleted = await blocking(privacy_ops.delete_by_phone, ctx.p.db, phone,
                                             ctx.admin)
                else:
                    found = await blocking(privacy_ops.lookup, ctx.p.db, phone, ctx.admin)
        except ApiError as exc:
            errors, message, status = errors_of(exc), exc.message, exc.status
            phone = ctx.text("phone")
    return ctx.render("privacy.html", status, phone=phone, found=found,
                      deleted=deleted, purged=purged, errors=errors, message=message,
                      labels=privacy_ops.LABELS, topics=EXPERTISE,
                      retention=privacy_ops.retention_table(ctx.p.settings))


@page
async def audit_page(request: Request, ctx: Ctx) -> Response:
    raw = request.query_params.get("offset", "0")
    offset = int(raw) if raw.isdigit() and len(raw) < 9 else 0
    entries = await blocking(audit.entries, ctx.p.db)
    return ctx.render("audit.html", entries=entries[offset:offset + AUDIT_PAGE], offset=offset,
                      total=len(entries), step=AUDIT_PAGE, actions=audit.ACTIONS)


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/exports/", exports_page, methods=["GET"]),
        Route("/admin/export/{name}.{format}", export_file, methods=["GET"]),
        Route("/admin/calendar.ics", calendar_file, methods=["GET"]),
        Route("/admin/privacy/", privacy, methods=["GET", "POST"]),
        Route("/admin/audit/", audit_page, methods=["GET"]),
    ]
