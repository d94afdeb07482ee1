"""Campus visit bookings (table `bookings`): request, status by reference + phone, cancel.

The record shape is documented in `forms_api.forms.bookings`. A wrong phone gets the same 404
as an unknown reference, so a reference alone reveals nothing.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api import clock
from forms_api.admin import limits
from forms_api.context import Portal, blocking, portal
from forms_api.errors import ApiError
from forms_api.forms.bookings import (Booking, BookingCancel, BookingLookup, new_reference,
                                      normalize_reference)
from forms_api.forms.validation import validate
from forms_api.intake import client_address, read_submission, wants_html
from forms_api.storage import Database, new_id
from forms_api.submit import Outcome, submit

CANCELLABLE = ("requested", "confirmed")
NOT_FOUND = "没有找到这个预约：请核对预约编号和联系电话。"


def thanks(reference: str) -> str:
    return f"/thanks/booking/?ref={reference}"


def find_booking(db: Database, reference: str, phone: str) -> dict[str, Any] | None:
    """The booking with this reference if the phone matches; None either way otherwise."""
    found = db.table("bookings").find(reference=reference)
    if not found or not hmac.compare_digest(found[0]["phone"].encode(), phone.encode()):
        return None
    return found[0]


def public_booking(db: Database, booking: dict[str, Any]) -> dict[str, Any]:
    """What the school may see: no phone, no bureau note."""
    expert = None
    if booking.get("date") and booking.get("expert_id"):
        person = db.table("volunteers").get_id(booking["expert_id"])
        if person is not None:
            expert = {"name": person["name"], "title": person.get("title")}
    return {"reference": booking["reference"], "status": booking["status"],
            "school": booking["school"], "date": booking.get("date"),
            "time_slot": booking["time_slot"], "expert": expert,
            "preferred_dates": booking["preferred_dates"], "topic": booking["topic"],
            "reason": booking.get("reason") if booking["status"] == "declined" else None}


def request_visit(p: Portal, form: Booking, key: str | None) -> Outcome:
    db = p.db
    table = db.table("bookings")
    with db.transaction():
        if key is not None:
            for prior in table.find(submission=key):
                if prior["phone"] == form.phone:
                    body = {"id": prior["id"], "reference": prior["reference"],
                            "status": prior["status"]}
                    return 201, body, thanks(prior["reference"])
        if form.expert_id is not None:
            expert = db.table("volunteers").get_id(form.expert_id)
            if expert is None or expert["status"] != "approved":
                raise ApiError(404, message="所选专家不存在或尚未通过审核，请重新选择或不指定。",
                               fields={"expert_id": "所选专家不存在或尚未通过审核"})
        limits.check_request(db, form.school, form.preferred_dates)  # the bureau's rules
        reference = new_reference()
        while table.find(reference=reference):
            reference = new_reference()
        now = clock.iso(clock.now())
        record = {"id": new_id(), "reference": reference, "status": "requested",
                  **form.model_dump(mode="json"), "notice_version": p.notice_version,
                  "date": None, "note": None, "created_at": now, "updated_at": now,
                  "submission": key}
        table.insert(record)
    return 201, {"id": record["id"], "reference": reference, "status": "requested"}, thanks(reference)


async def create_booking(request: Request) -> Response:
    p = portal(request)

    def act(form: Booking, key: str | None) -> Outcome:
        return request_visit(p, form, key)

    def fake(form: Booking) -> Outcome:
        reference = new_reference()
        return 201, {"id": new_id(), "reference": reference, "status": "requested"}, thanks(reference)

    return await submit(request, "bookings", act, fake)


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
    if booking is None:
        raise ApiError(404, message=NOT_FOUND)
    return JSONResponse(await blocking(public_booking, p.db, booking))


def cancel(p: Portal, reference: str, phone: str) -> dict[str, Any]:
    db = p.db
    with db.transaction():
        booking = find_booking(db, reference, phone)
        if booking is None:
            raise ApiError(404, message=NOT_FOUND)
        if booking["status"] != "cancelled":
            if booking["status"] not in CANCELLABLE:
                raise ApiError(409, "invalid_transition",
                               f"这个预约当前状态不能取消（{booking['status']}）。")
            booking = db.table("bookings").update_id(booking["id"], {
                "status": "cancelled", "updated_at": clock.iso(clock.now())}) or booking
        return public_booking(db, booking)


async def cancel_booking(request: Request) -> Response:
    p = portal(request)
    p.ratelimit.hit(client_address(request))
    html = wants_html(request)
    submission = await read_submission(request, BookingCancel)
    form = validate(BookingCancel, submission.data, json=submission.json)
    reference = normalize_reference(request.path_params["reference"])
    body = await blocking(cancel, p, str(reference), form.phone)
    if html:
        return RedirectResponse(f"/booking/status/?ref={body['reference']}&cancelled=1",
                                status_code=303)
    return JSONResponse(body)


def routes() -> list[BaseRoute]:
    return [
        Route("/bookings", create_booking, methods=["POST"]),
        Route("/bookings/{reference}", get_booking, methods=["GET"]),
        Route("/bookings/{reference}/cancel", cancel_booking, methods=["POST"]),
    ]
