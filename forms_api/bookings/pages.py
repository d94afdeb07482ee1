"""The public pages of bookings the server fills: the form, its thank-you, the status lookup."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api.bookings.forms import (
    REFERENCE_PATTERN,
    TIME_SLOTS,
    BookingCancel,
    BookingLookup,
    normalize_reference,
)
from forms_api.bookings.records import CANCELLABLE, PUBLIC_STATUSES, find_booking, public_booking
from forms_api.bookings.requests import NOT_FOUND, cancel
from forms_api.errors import ApiError, found
from forms_api.forms.render import render_form
from forms_api.forms.validation import validate
from forms_api.web import tokens
from forms_api.web.context import Portal, blocking, portal
from forms_api.web.intake import client_address, read_submission
from forms_api.web.pages import FormState, form_page_route, note, region

SLOTS = {"reference": note("预约编号需要在线查看。"), "booking": ""}


def _reference(raw: str) -> str | None:
    ref = normalize_reference(raw[:20])
    return ref if isinstance(ref, str) and re.fullmatch(REFERENCE_PATTERN, ref) else None


async def booking_thanks(request: Request) -> Response:
    p = portal(request)
    block = region(p, "bookings/site/reference.html",
                   reference=_reference(request.query_params.get("ref", "")))
    return HTMLResponse(p.pages.fill("thanks/booking/", slots={"reference": block}))


def booking_block(p: Portal, booking: dict[str, Any], phone: str | None) -> str:
    """The school's view of its booking, with the cancel button while it may cancel."""
    return region(p, "bookings/site/booking.html", booking=booking, statuses=PUBLIC_STATUSES,
                  slots=TIME_SLOTS, phone=phone if booking["status"] in CANCELLABLE else None)


async def booking_status_page(request: Request) -> Response:
    p = portal(request)
    slots: dict[str, str] = {}
    state = FormState()
    if request.method == "POST":
        p.ratelimit.hit(client_address(request))
        submission = await read_submission(request, BookingLookup)
        state.values = {k: v for k, v in submission.data.items() if k in BookingLookup.model_fields}

        async def look_up() -> None:
            lookup = validate(BookingLookup, state.values, json=submission.json)
            booking = found(await blocking(find_booking, p.db, lookup.reference, lookup.phone),
                            NOT_FOUND)
            shown = await blocking(public_booking, p.db, booking)
            slots["booking"] = booking_block(p, shown, lookup.phone)

        await state.attempt(look_up)  # a page, whoever asks: the form again, with the problem
    else:
        ref = _reference(request.query_params.get("ref", ""))
        if request.query_params.get("cancelled") and ref:
            slots["booking"] = note(f"预约 {ref} 已取消。", "ok")
    inner = render_form(p.forms["booking_lookup"], values=state.values, errors=state.errors,
                        message=state.message, token=tokens.issue(p.secret), online=True)
    html = p.pages.fill("booking/status/", {"booking_lookup": inner}, slots)
    return HTMLResponse(html, status_code=state.status)


async def cancel_step(request: Request) -> Response:
    """No-JS cancelling: a confirm step with the reason, then the cancellation itself."""
    p = portal(request)
    p.ratelimit.hit(client_address(request))
    data = (await read_submission(request, BookingCancel)).data
    reference = _reference(str(data.get("reference") or ""))
    values = {"reason": data.get("reason"), "phone": data.get("phone")}
    errors: dict[str, str] = {}
    message = None
    try:
        form = validate(BookingCancel, values, json=False)
        booking = found(await blocking(find_booking, p.db, reference or "", form.phone),
                        NOT_FOUND) if reference else found(None, NOT_FOUND)
    except ApiError as exc:
        slot = note(exc.message, "warn")
        return HTMLResponse(p.pages.fill("booking/status/", {"booking_lookup": _lookup_form(p)},
                                         {"booking": slot}), status_code=exc.status)
    if data.get("confirm") == "1":
        if booking["status"] == "confirmed" and not form.reason:
            errors["reason"] = "请填写取消原因，教育局和专家会看到"
            message = "取消已确认的进校活动需要填写原因。"
        else:
            try:
                await blocking(cancel, p, booking["reference"], form.phone, form.reason)
            except ApiError as exc:
                message = exc.message
            else:
                return RedirectResponse(
                    f"/booking/status/?ref={booking['reference']}&cancelled=1", status_code=303)
    shown = await blocking(public_booking, p.db, booking)
    block = region(p, "bookings/site/cancel.html", booking={**shown, "status": booking["status"]},
                   phone=form.phone, reason=form.reason, errors=errors, message=message,
                   slots=TIME_SLOTS)
    html = p.pages.fill("booking/status/", {"booking_lookup": _lookup_form(p)}, {"booking": block})
    return HTMLResponse(html, status_code=422 if errors else 200)


def _lookup_form(p: Portal) -> str:
    return render_form(p.forms["booking_lookup"], token=tokens.issue(p.secret), online=True)


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/booking/", form_page_route("bookings"), methods=["GET"]),
        Route("/booking/status/", booking_status_page, methods=["GET", "POST"]),
        Route("/thanks/booking/", booking_thanks, methods=["GET"]),
        Route("/booking/status/cancel/", cancel_step, methods=["POST"]),
    )
