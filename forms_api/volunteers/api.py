"""The volunteers API: sign-up and the public experts (public), review (admin)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api.admin.auth import admin_form, require_admin
from forms_api.admin.lists import page_of, status_filter
from forms_api.errors import ApiError
from forms_api.volunteers import registration, review
from forms_api.volunteers.forms import Review, Volunteer
from forms_api.volunteers.records import STATUSES, public_experts
from forms_api.web.context import blocking, portal
from forms_api.web.intake import read_submission
from forms_api.web.submit import Outcome, submit


async def create_volunteer(request: Request) -> Response:
    p = portal(request)

    def act(form: Volunteer, key: str | None) -> Outcome:
        return registration.register(p, form, key)

    return await submit(request, "volunteers", act, registration.pretend)


async def list_experts(request: Request) -> JSONResponse:
    return JSONResponse({"items": await blocking(public_experts, portal(request).db)})


async def list_volunteers(request: Request) -> JSONResponse:
    await require_admin(request)
    status = status_filter(request, tuple(STATUSES))
    return JSONResponse(page_of(request, await blocking(review.volunteers, portal(request),
                                                        status)))


async def patch_volunteer(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, Review)
    return JSONResponse(await blocking(review.review, portal(request), request.path_params["id"],
                                       form, admin))


def _text(data: dict[str, object], name: str, label: str, limit: int) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(422, message=f"请填写{label}。", fields={name: f"请填写{label}"})
    if len(value.strip()) > limit:
        raise ApiError(422, message=f"{label}最多 {limit} 个字。",
                       fields={name: f"{label}最多 {limit} 个字"})
    return value.strip()


async def request_info(request: Request) -> JSONResponse:
    admin = await require_admin(request)
    data = (await read_submission(request)).data
    note = _text(data, "note", "需要补充的内容", 500)
    return JSONResponse(await blocking(review.request_info, portal(request),
                                       request.path_params["id"], note, admin))


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/volunteers", create_volunteer, methods=["POST"]),
        Route("/experts", list_experts, methods=["GET"]),
        Route("/admin/volunteers", list_volunteers, methods=["GET"]),
        Route("/admin/volunteers/{id}", patch_volunteer, methods=["PATCH"]),
        Route("/admin/volunteers/{id}/request-info", request_info, methods=["POST"]),
    )
