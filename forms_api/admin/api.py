"""Admin API endpoints beyond the contract's first ones: what the console needs, for scripts too.

All take `Authorization: Bearer <token>` (`require_admin`), like every `/api/admin` route.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api.admin import audit, downloads, experts, hours, limits, privacy_ops
from forms_api.admin.auth import require_admin
from forms_api.admin.lists import page_of
from forms_api.admin.trainings import update_training
from forms_api.admin.volunteers import request_info
from forms_api.context import blocking, portal
from forms_api.errors import ApiError
from forms_api.intake import read_submission


async def _body(request: Request) -> dict[str, Any]:
    return (await read_submission(request)).data


def _text(data: dict[str, Any], name: str, label: str, limit: int) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(422, message=f"请填写{label}。", fields={name: f"请填写{label}"})
    if len(value.strip()) > limit:
        raise ApiError(422, message=f"{label}最多 {limit} 个字。",
                       fields={name: f"{label}最多 {limit} 个字"})
    return value.strip()


async def volunteer_request_info(request: Request) -> JSONResponse:
    admin = require_admin(request)
    note = _text(await _body(request), "note", "需要补充的内容", 500)
    return JSONResponse(await blocking(request_info, portal(request), request.path_params["id"],
                                       note, admin))


async def list_experts(request: Request) -> JSONResponse:
    require_admin(request)
    return JSONResponse(page_of(request, await blocking(experts.directory, portal(request).db)))


async def expert_record(request: Request) -> JSONResponse:
    require_admin(request)
    p = portal(request)
    expert_id = request.path_params["id"]
    person = await blocking(p.db.table("volunteers").get_id, expert_id)
    if person is None or person["status"] != "approved":
        raise ApiError(404, message="找不到这位专家。")
    return JSONResponse({"expert": person,
                         "visits": await blocking(experts.service_record, p.db, expert_id)})


async def list_hours(request: Request) -> JSONResponse:
    require_admin(request)
    p = portal(request)
    found = await blocking(hours.teachers, p.db, downloads.module_hours(p))
    items = [{"key": t.key, "name": t.name, "school": t.school, "phone": t.phone,
              "hours": t.hours,
              "sessions": [{"id": s["id"], "title": s["title"], "module": s["module"],
                            "starts_at": s["starts_at"], "hours": h,
                            "checked_in_at": r["checked_in_at"]} for s, r, h in t.sessions]}
             for t in found]
    return JSONResponse(page_of(request, items))


async def get_limits(request: Request) -> JSONResponse:
    require_admin(request)
    rules = await blocking(limits.load_rules, portal(request).db)
    return JSONResponse(rules.as_dict())


async def put_limits(request: Request) -> JSONResponse:
    admin = require_admin(request)
    data = await _body(request)
    rules = await blocking(limits.save_rules, portal(request).db, data, admin)
    return JSONResponse(rules.as_dict())


async def export(request: Request) -> Response:
    admin = require_admin(request)
    return await downloads.export_file(portal(request), request.path_params["name"],
                                       request.path_params["format"],
                                       dict(request.query_params), admin)


async def calendar_feed(request: Request) -> Response:
    admin = require_admin(request)
    return await downloads.calendar_file(portal(request), admin)


async def privacy_lookup(request: Request) -> JSONResponse:
    admin = require_admin(request)
    phone = privacy_ops.phone_of((await _body(request)).get("phone"))
    found = await blocking(privacy_ops.lookup, portal(request).db, phone, admin)
    return JSONResponse({"collections": found})


async def privacy_export(request: Request) -> Response:
    admin = require_admin(request)
    phone = privacy_ops.phone_of((await _body(request)).get("phone"))
    return await downloads.personal_data_file(portal(request), phone, admin)


async def privacy_delete(request: Request) -> JSONResponse:
    admin = require_admin(request)
    phone = privacy_ops.phone_of((await _body(request)).get("phone"))
    counts = await blocking(privacy_ops.delete_by_phone, portal(request).db, phone, admin)
    return JSONResponse({"deleted": counts})


async def audit_log(request: Request) -> JSONResponse:
    require_admin(request)
    return JSONResponse(page_of(request, await blocking(audit.entries, portal(request).db)))


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/trainings/{id}", update_training, methods=["PATCH"]),
        Route("/admin/volunteers/{id}/request-info", volunteer_request_info, methods=["POST"]),
        Route("/admin/experts", list_experts, methods=["GET"]),
        Route("/admin/experts/{id}", expert_record, methods=["GET"]),
        Route("/admin/hours", list_hours, methods=["GET"]),
        Route("/admin/limits", get_limits, methods=["GET"]),
        Route("/admin/limits", put_limits, methods=["PUT"]),
        Route("/admin/export/{name}.{format}", export, methods=["GET"]),
        Route("/admin/calendar.ics", calendar_feed, methods=["GET"]),
        Route("/admin/privacy/lookup", privacy_lookup, methods=["POST"]),
        Route("/admin/privacy/export", privacy_export, methods=["POST"]),
        Route("/admin/privacy/delete", privacy_delete, methods=["POST"]),
        Route("/admin/audit", audit_log, methods=["GET"]),
    ]
