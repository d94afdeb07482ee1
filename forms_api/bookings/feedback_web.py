"""Feedback pages and answers: the form at `/feedback/`, the results under `/api/admin/…`.

The form is opened by the link of the `booking.feedback` notice (the school's contact) or by the
anonymous link the contact passes on to the teachers who attended. A browser that answered gets
the cookie `portal_fb_<booking id>` (path `/feedback/`) and sees a thank-you instead of the form.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api.admin.auth import require_admin
from forms_api.bookings import feedback
from forms_api.bookings.forms import TIME_SLOTS
from forms_api.bookings.records import BOOKINGS
from forms_api.errors import ApiError, found
from forms_api.forms import HONEYPOT
from forms_api.forms.validation import validate
from forms_api.volunteers.forms import EXPERTISE
from forms_api.volunteers.records import VOLUNTEERS
from forms_api.web.context import Portal, blocking, portal
from forms_api.web.intake import client_address, read_submission
from forms_api.web.pages import note, region

SLOTS = {"feedback": note("反馈表需要在线填写：请用通知中的链接打开本页。")}
BAD_LINK = "这个反馈链接无效或已过期。请使用通知中的完整链接。"
COOKIE_DAYS = 120


def _cookie(booking_id: str) -> str:
    return f"portal_fb_{booking_id}"[:60]


def site_base(p: Portal, request: Request) -> str:
    """The portal's public address: the setting, else this request's."""
    return p.settings.site_url or str(request.base_url).rstrip("/")


def _page(p: Portal, block: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(p.pages.fill("feedback/", slots={"feedback": block}), status_code=status,
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def _opened(p: Portal, booking_id: str, given: str) -> tuple[dict[str, Any], feedback.Role]:
    role = feedback.role_of(p.secret, booking_id, given) if booking_id and given else None
    booking = p.db.table(BOOKINGS).get_id(booking_id) if role else None
    if role is None or booking is None:
        raise ApiError(404, message=BAD_LINK)
    return booking, role


async def _form(p: Portal, request: Request, booking: dict[str, Any], role: feedback.Role,
                given: str, **values: Any) -> str:
    expert = await blocking(p.db.table(VOLUNTEERS).get_id, booking.get("expert_id") or "")
    anonymous = None
    if role == "contact":
        anonymous = site_base(p, request) + feedback.link(p.secret, "teacher", booking["id"])
    return region(p, "bookings/site/feedback.html", booking=booking, role=role, token=given,
                  expert=expert, anonymous=anonymous, questions=feedback.QUESTIONS,
                  scores=feedback.SCORES, topics=EXPERTISE, slots=TIME_SLOTS,
                  honeypot=HONEYPOT, **values)


async def feedback_page(request: Request) -> Response:
    p = portal(request)
    source: dict[str, Any] = dict(request.query_params)
    if request.method == "POST":
        p.ratelimit.hit(client_address(request))
        source = (await read_submission(request, feedback.Answer)).data
    booking_id, given = str(source.get("b") or "")[:40], str(source.get("t") or "")[:64]
    try:
        booking, role = await blocking(_opened, p, booking_id, given)
    except ApiError as exc:
        return _page(p, note(exc.message, "warn"), exc.status)
    answered = request.cookies.get(_cookie(booking_id)) == "1" or (
        role == "contact" and await blocking(feedback.answered_by_contact, p.db, booking_id))
    if answered and request.method == "GET":
        return _page(p, await _form(p, request, booking, role, given, done=True))
    if not feedback.is_open(booking):
        return _page(p, note("这次活动的反馈尚未开始或已经结束，谢谢您的关心。", "warn"))
    if request.method == "GET":
        return _page(p, await _form(p, request, booking, role, given, values={}, errors={}))
    data = {k: v for k, v in source.items() if k in feedback.Answer.model_fields}
    values: dict[str, Any] = {"values": data, "errors": {}}
    if source.get(HONEYPOT):
        return _page(p, await _form(p, request, booking, role, given, done=True))  # a bot: no answer
    try:
        answer = validate(feedback.Answer, data, json=False)
        await blocking(feedback.record, p.db, booking_id, role, answer)
    except ApiError as exc:
        values.update(errors=dict(exc.fields or {}), message=exc.message)
        return _page(p, await _form(p, request, booking, role, given, **values), exc.status)
    response = _page(p, await _form(p, request, booking, role, given, done=True))
    response.set_cookie(_cookie(booking_id), "1", max_age=COOKIE_DAYS * 86400, path="/feedback/",
                        httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response


async def booking_feedback(request: Request) -> JSONResponse:
    await require_admin(request)
    p = portal(request)
    booking_id = request.path_params["id"]
    found(await blocking(p.db.table(BOOKINGS).get_id, booking_id), "找不到这个预约。")
    return JSONResponse(await blocking(feedback.for_booking, p.db, booking_id))


async def expert_feedback(request: Request) -> JSONResponse:
    await require_admin(request)
    p = portal(request)
    expert_id = request.path_params["id"]
    found(await blocking(p.db.table(VOLUNTEERS).get_id, expert_id), "找不到这位志愿者。")
    return JSONResponse(await blocking(feedback.for_expert, p.db, expert_id))


def api_routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/admin/bookings/{id}/feedback", booking_feedback, methods=["GET"]),
        Route("/admin/volunteers/{id}/feedback", expert_feedback, methods=["GET"]),
    )


def page_routes() -> tuple[BaseRoute, ...]:
    return (Route("/feedback/", feedback_page, methods=["GET", "POST"]),)
