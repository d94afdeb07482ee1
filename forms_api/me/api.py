"""The me domain's API: issue or revoke a volunteer's link (admin), the teacher's lookup."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api.admin.auth import require_admin
from forms_api.forms import META_FIELDS
from forms_api.forms.validation import validate
from forms_api.me import links
from forms_api.me.forms import Lookup
from forms_api.me.prints import site_base
from forms_api.web.context import blocking, portal
from forms_api.web.intake import client_address, read_submission

ACCEPTED = {"status": "accepted",
            "message": "已收到。如果手机号和姓名与签到记录一致，链接会发送给您或显示在查询页面上。"}


async def issue_link(request: Request) -> JSONResponse:
    admin = await require_admin(request)
    p = portal(request)
    link = await blocking(links.issue, p, request.path_params["id"], admin, site_base(p, request))
    return JSONResponse({"link": link}, headers={"Cache-Control": "no-store"})


async def revoke_link(request: Request) -> JSONResponse:
    admin = await require_admin(request)
    count = await blocking(links.revoke, portal(request), request.path_params["id"], admin)
    return JSONResponse({"revoked": count})


async def lookup(request: Request) -> Response:
    """Always 202 with the same body; the link goes out as a notice, never in this answer."""
    p = portal(request)
    p.ratelimit.hit(client_address(request))
    submission = await read_submission(request, Lookup)
    data = {k: v for k, v in submission.data.items() if k not in META_FIELDS}
    form = validate(Lookup, data, json=submission.json)
    if not submission.data.get(META_FIELDS[0]) and links.reachable_by_phone(p):
        await blocking(links.lookup, p, form.phone, form.name, site_base(p, request))
    return JSONResponse(ACCEPTED, status_code=202)


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/admin/volunteers/{id}/link", issue_link, methods=["POST"]),
        Route("/admin/volunteers/{id}/link", revoke_link, methods=["DELETE"]),
        Route("/me/lookup", lookup, methods=["POST"]),
    )
