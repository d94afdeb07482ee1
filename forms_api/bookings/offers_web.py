"""Offering a visit to an expert: `POST /api/admin/bookings/{id}/offer` and the console's form."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api.admin.auth import admin_form
from forms_api.admin.web import Ctx, page, redirect
from forms_api.bookings import assignments
from forms_api.bookings.forms import TIME_SLOTS, TimeSlotCode
from forms_api.forms.fields import DateText, PortalForm, field
from forms_api.forms.validation import validate
from forms_api.web.context import blocking, portal


class Offer(PortalForm):
    """邀请专家"""

    expert_id: str = field("专家", widget="select", max_length=40)
    date: DateText = field("日期")
    time_slot: TimeSlotCode = field("时段", widget="radio", choices=TIME_SLOTS)


async def offer_api(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, Offer)
    updated = await blocking(assignments.offer, portal(request), request.path_params["id"],
                             form.expert_id, form.date, form.time_slot, admin)
    return JSONResponse(updated)


@page
async def offer_page(request: Request, ctx: Ctx) -> Response:
    booking_id = request.path_params["id"]
    form = validate(Offer, {k: ctx.text(k) for k in ("expert_id", "date", "time_slot")},
                    json=False)  # a refusal is the console's problem page, naming the field
    await blocking(assignments.offer, ctx.p, booking_id, form.expert_id, form.date,
                   form.time_slot, ctx.admin)
    return redirect(f"/admin/bookings/{booking_id}/?done=offered")


def api_routes() -> tuple[BaseRoute, ...]:
    return (Route("/admin/bookings/{id}/offer", offer_api, methods=["POST"]),)


def console_routes() -> tuple[BaseRoute, ...]:
    return (Route("/admin/bookings/{id}/offer/", offer_page, methods=["POST"]),)
