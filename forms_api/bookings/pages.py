"""The public pages of bookings the server fills: the form, its thank-you, the status lookup."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api.bookings.forms import (
    REFERENCE_PATTERN,
    TIME_SLOTS,
    BookingLookup,
    normalize_reference,
)
from forms_api.bookings.records import CANCELLABLE, PUBLIC_STATUSES, find_booking, public_booking
from forms_api.bookings.requests import NOT_FOUND
from forms_api.errors import found
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


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/booking/", form_page_route("bookings"), methods=["GET"]),
        Route("/booking/status/", booking_status_page, methods=["GET", "POST"]),
        Route("/thanks/booking/", booking_thanks, methods=["GET"]),
    )
