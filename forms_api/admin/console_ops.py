"""Console pages for exports, privacy operations (by phone number, retention) and the audit log."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forms_api.admin import audit, downloads, privacy
from forms_api.admin.registry import Card
from forms_api.admin.state import admin_state
from forms_api.admin.web import Ctx, FormState, page
from forms_api.errors import ApiError
from forms_api.web.context import blocking

AUDIT_PAGE = 100


@page
async def exports_page(request: Request, ctx: Ctx) -> Response:
    registry = admin_state(request).registry

    def load() -> list[tuple[Card, dict[str, Any]]]:
        return [(card, card.load(ctx.p.db)) for card in registry.export_cards]

    return ctx.render("admin/exports.html", exports=registry.exports, cards=await blocking(load))


@page
async def export_file(request: Request, ctx: Ctx) -> Response:
    return await downloads.export_file(ctx.p, admin_state(request),
                                       request.path_params["name"],
                                       request.path_params["format"],
                                       dict(request.query_params), ctx.admin)


@page
async def privacy_page(request: Request, ctx: Ctx) -> Response:
    personal = admin_state(request).registry.personal
    state = FormState()
    shown: dict[str, Any] = {"found": None, "deleted": None, "purged": None, "phone": "",
                             "warnings": []}
    if request.method == "POST":
        action = ctx.text("action")

        async def act() -> Response | None:
            if action == "purge":
                shown["purged"] = await blocking(privacy.purge, ctx.p.db, personal,
                                                 ctx.p.settings, ctx.admin)
                return None
            phone = shown["phone"] = privacy.phone_of(ctx.text("phone"))
            if action == "export":
                return await downloads.personal_data_file(ctx.p, personal, phone, ctx.admin)
            if action == "delete":
                if ctx.text("confirm") not in ("on", "true", "1"):
                    raise ApiError(422, message="删除前请勾选确认。",
                                   fields={"confirm": "请勾选确认：删除后无法恢复"})
                shown["deleted"] = await blocking(privacy.delete_by_phone, ctx.p.db, personal,
                                                  phone, ctx.admin)
            else:
                shown["found"] = await blocking(privacy.lookup, ctx.p.db, personal, phone,
                                                ctx.admin)
                shown["warnings"] = await blocking(_warnings, ctx.p.db, shown["found"], request)
            return None

        if done := await state.attempt(act):
            return done
        if state.errors or state.message:
            shown["phone"] = ctx.text("phone")
    return ctx.render("admin/privacy.html", state.status, **shown, errors=state.errors,
                      message=state.message, labels=privacy.labels(personal),
                      collections="、".join(c.label for c in personal),
                      row_templates={c.table: c.row_template for c in personal},
                      retention=privacy.retention_table(personal, ctx.p.settings))


def _warnings(db: Any, found: dict[str, list[dict[str, Any]]], request: Request) -> list[str]:
    return [w for check in admin_state(request).registry.privacy_checks for w in check(db, found)]


@page
async def audit_page(request: Request, ctx: Ctx) -> Response:
    raw = request.query_params.get("offset", "0")
    offset = int(raw) if raw.isdigit() and len(raw) < 9 else 0
    entries = await blocking(audit.entries, ctx.p.db)
    actions = {**audit.ACTIONS, **admin_state(request).registry.audit_actions}
    return ctx.render("admin/audit.html", entries=entries[offset:offset + AUDIT_PAGE],
                      offset=offset, total=len(entries), step=AUDIT_PAGE, actions=actions)


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/admin/exports/", exports_page, methods=["GET"]),
        Route("/admin/export/{name}.{format}", export_file, methods=["GET"]),
        Route("/admin/privacy/", privacy_page, methods=["GET", "POST"]),
        Route("/admin/audit/", audit_page, methods=["GET"]),
    )
