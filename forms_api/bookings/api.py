"""The bookings API: request, status, cancel (public); handling, rules, experts (admin)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api.admin.auth import admin_form, require_admin
from forms_api.admin.downloads import attachment
from forms_api.admin.lists import page_of, status_filter
from forms_api.bookings import experts, handling, requests, rules
from forms_api.bookings.console import calendar_file
from forms_api.bookings.forms import (
    Booking,
    BookingCancel,
    BookingChange,
    BookingLookup,
    normalize_reference,
)
from forms_api.bookings.records import STATUSES, find_booking, public_booking
from forms_api.errors import ApiError, found
from forms_api.forms.validation import validate
from forms_api.volunteers.records import VOLUNTEERS
from forms_api.web.context import blocking, portal
from forms_api.web.intake import client_address, read_submission, wants_html
from forms_api.web.submit import Outcome, submit


async def create_booking(request: Request) -> Response:
    p = portal(request)

    def act(form: Booking, key: str | None) -> Outcome:
        return requests.request_visit(p, form, key)

    return await submit(request, "bookings", act, requests.pretend)


def _lookup(reference: str, phone: Any) -> BookingLookup | None:
    try:
        return validate(BookingLookup, {"reference": reference, "phone": phone}, json=False)
    except ApiError:
        return None


async def get_booking(request: Request) -> JSONResponse:
    p = portal(request)
    p.ratelimit.hit(client_address(request))
    lookup = _lookup(request.path_params["reference"], request.query_params.get("phone"))
    booking = await blocking(find_booking, p.db, lookup.reference, lookup.phone) if lookup else None
    return JSONResponse(await blocking(public_booking, p.db, found(booking, requests.NOT_FOUND)))


async def cancel_booking(request: Request) -> Response:
    p = portal(request)
    p.ratelimit.hit(client_address(request))
    html = wants_html(request)
    submission = await read_submission(request, BookingCancel)
    form = validate(BookingCancel, submission.data, json=submission.json)
    reference = normalize_reference(request.path_params["reference"])
    body = await blocking(requests.cancel, p, str(reference), form.phone, form.reason)
    if html:
        return RedirectResponse(f"/booking/status/?ref={body['reference']}&cancelled=1",
                                status_code=303)
    return JSONResponse(body)


async def list_bookings(request: Request) -> JSONResponse:
    await require_admin(request)
    status = status_filter(request, tuple(STATUSES))
    return JSONResponse(page_of(request, await blocking(handling.bookings, portal(request),
                                                        status)))


async def patch_booking(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, BookingChange)
    return JSONResponse(await blocking(handling.change, portal(request),
                                       request.path_params["id"], form, admin))


async def get_rules(request: Request) -> JSONResponse:
    await require_admin(request)
    return JSONResponse((await blocking(rules.load_rules, portal(request).db)).as_dict())


async def put_rules(request: Request) -> JSONResponse:
    admin = await require_admin(request)
    data = (await read_submission(request)).data
    saved = await blocking(rules.save_rules, portal(request).db, data, admin)
    return JSONResponse(saved.as_dict())


async def list_experts(request: Request) -> JSONResponse:
    await require_admin(request)
    return JSONResponse(page_of(request, await blocking(experts.directory, portal(request).db)))


async def expert_record(request: Request) -> JSONResponse:
    await require_admin(request)
    p = portal(request)
    expert_id = request.path_params["id"]
    person = await blocking(p.db.table(VOLUNTEERS).get_id, expert_id)
    if person is None or person["status"] != "approved":
        raise ApiError(404, message=experts.NOT_FOUND)
    return JSONResponse({"expert": person,
                         "visits": await blocking(experts.service_record, p.db, expert_id)})


async def calendar_feed(request: Request) -> Response:
    admin = await require_admin(request)
    body = await blocking(calendar_file, portal(request), admin)
    return attachment(body, "xinyu-calendar", "ics")


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/bookings", create_booking, methods=["POST"]),
        Route("/bookings/{reference}", get_booking, methods=["GET"]),
        Route("/bookings/{reference}/cancel", cancel_booking, methods=["POST"]),
        Route("/admin/bookings", list_bookings, methods=["GET"]),
        Route("/admin/bookings/{id}", patch_booking, methods=["PATCH"]),
        Route("/admin/experts", list_experts, methods=["GET"]),
        Route("/admin/experts/{id}", expert_record, methods=["GET"]),
        Route("/admin/limits", get_rules, methods=["GET"]),
        Route("/admin/limits", put_rules, methods=["PUT"]),
        Route("/admin/calendar.ics", calendar_feed, methods=["GET"]),
    )
