"""The rota's API: hotlines and shifts (admin), and a volunteer's own shifts (`/api/me/…`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api import clock
from forms_api.admin import audit
from forms_api.admin.auth import admin_form, require_admin
from forms_api.admin.lists import page_of, status_filter
from forms_api.errors import ApiError, found
from forms_api.rota import calendar, hours, lines, seats, swaps, views
from forms_api.rota.forms import Assign, Generate, Hotline, Served, ShiftChange, ShiftForm, VolunteerRef
from forms_api.rota.records import HOTLINES, SWAP_STATUSES, SWAPS
from forms_api.volunteers.records import VOLUNTEERS
from forms_api.web.context import blocking, portal
from forms_api.web.personal import current, live

ICS = "text/calendar; charset=utf-8"
NOT_SIGNED_IN = "请先通过个人链接打开“我的页面”，再管理值班。"


async def me(request: Request) -> str:
    """The volunteer of this request's own-page session, or 401 (also once links are revoked)."""
    p = portal(request)
    person = current(request, p.secret)
    if person is None or person.kind != "volunteer" or not await blocking(live, p.db, person):
        raise ApiError(401, message=NOT_SIGNED_IN)
    return person.subject_id


def _action(request: Request, allowed: tuple[str, ...]) -> str:
    action = str(request.path_params["action"])
    if action not in allowed:
        raise ApiError(404, message=f"不认识的操作：只能是 {'、'.join(allowed)}。")
    return action


async def create_hotline(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, Hotline)
    return JSONResponse(await blocking(lines.create_hotline, portal(request), form, admin),
                        status_code=201)


async def list_hotlines(request: Request) -> JSONResponse:
    await require_admin(request)
    db = portal(request).db
    every = sorted(await blocking(db.table(HOTLINES).all), key=lambda h: h["created_at"])
    return JSONResponse(page_of(request, every))


async def generate(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, Generate)
    made = await blocking(lines.generate, portal(request), request.path_params["id"], form, admin)
    return JSONResponse({"created": made})


async def add_shift(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, ShiftForm)
    return JSONResponse(await blocking(lines.add_shift, portal(request),
                                       request.path_params["id"], form, admin), status_code=201)


async def change_shift(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, ShiftChange)
    return JSONResponse(await blocking(lines.change_shift, portal(request),
                                       request.path_params["id"], form, admin))


def _json(shift: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if k == "day" else v) for k, v in shift.items()}


async def list_shifts(request: Request) -> JSONResponse:
    await require_admin(request)
    q = request.query_params
    today = clock.today()
    first = views.day_param(q.get("from"), "from", today)
    last = views.day_param(q.get("to"), "to", first.fromordinal(first.toordinal() + 13))
    only_gaps = q.get("gaps") in ("1", "true", "on")
    found_shifts = await blocking(views.listing, portal(request).db, first, last, only_gaps,
                                  q.get("hotline_id") or None)
    return JSONResponse(page_of(request, [_json(s) for s in found_shifts]))


async def assign(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, Assign)
    return JSONResponse(await blocking(seats.assign, portal(request), request.path_params["id"],
                                       form.volunteer_id, form.override, admin))


async def remove(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, VolunteerRef)
    return JSONResponse(await blocking(seats.remove, portal(request), request.path_params["id"],
                                       form.volunteer_id, admin))


async def no_show(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, VolunteerRef)
    return JSONResponse(await blocking(seats.no_show, portal(request), request.path_params["id"],
                                       form.volunteer_id, admin))


async def correct(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, Served)
    return JSONResponse(await blocking(hours.correct, portal(request), request.path_params["id"],
                                       form, admin))


async def lift(request: Request) -> JSONResponse:
    admin = await require_admin(request)
    count = await blocking(seats.lift, portal(request), request.path_params["id"], admin)
    return JSONResponse({"lifted": count})


async def served(request: Request) -> JSONResponse:
    await require_admin(request)
    db = portal(request).db
    volunteer_id = request.path_params["id"]
    found(await blocking(db.table(VOLUNTEERS).get_id, volunteer_id), seats.NO_VOLUNTEER)
    return JSONResponse(page_of(request, await blocking(hours.served, db, volunteer_id)))


async def list_swaps(request: Request) -> JSONResponse:
    await require_admin(request)
    status = status_filter(request, tuple(SWAP_STATUSES))
    table = portal(request).db.table(SWAPS)
    every = await blocking(lambda: table.find(status=status) if status else table.all())
    return JSONResponse(page_of(request, sorted(every, key=lambda w: w["created_at"])))


async def decide_swap(request: Request) -> JSONResponse:
    admin = await require_admin(request)
    chosen = _action(request, ("approve", "decline"))
    act = swaps.approve if chosen == "approve" else swaps.decline
    return JSONResponse(await blocking(act, portal(request), request.path_params["id"], admin))


async def staff_feed(request: Request) -> JSONResponse:
    """Mint (POST) or revoke (DELETE) a volunteer's calendar feed; audited with the change."""
    admin = await require_admin(request)
    p = portal(request)
    volunteer_id = request.path_params["id"]
    revoking = request.method == "DELETE"

    def act() -> str | None:
        with p.db.transaction():
            if p.db.table(VOLUNTEERS).get_id(volunteer_id) is None:
                return None
            token = "" if revoking else calendar.mint(p.db, volunteer_id)
            if revoking:
                calendar.revoke(p.db, volunteer_id)
            audit.record(p.db, admin, "rota.feed_revoke" if revoking else "rota.feed_mint",
                         f"{VOLUNTEERS}/{volunteer_id}")
            return token

    token = found(await blocking(act), seats.NO_VOLUNTEER)
    if revoking:
        return JSONResponse({"revoked": True})
    base = p.settings.site_url or str(request.base_url).rstrip("/")
    return JSONResponse({"url": f"{base}/api/rota/feed/{token}.ics"})


async def coordinator_calendar(request: Request) -> Response:
    await require_admin(request)
    body = await blocking(calendar.coordinator_feed, portal(request).db)
    return Response(body, media_type=ICS, headers={"Cache-Control": "no-store"})


async def feed(request: Request) -> Response:
    db = portal(request).db
    volunteer_id = found(await blocking(calendar.owner, db, request.path_params["token"]),
                         "这个日历地址已失效。")
    body = await blocking(calendar.volunteer_feed, db, volunteer_id)
    return Response(body, media_type=ICS, headers={"Cache-Control": "no-store",
                                                   "Referrer-Policy": "no-referrer"})


async def my_shifts(request: Request) -> JSONResponse:
    p = portal(request)
    volunteer_id = await me(request)
    page = await blocking(views.for_volunteer, p.db, p.settings, volunteer_id, clock.now())
    return JSONResponse({
        "eligible": page["eligible"], "rule": page["rule"],
        "mine": [_json(s) for s in page["mine"]], "open": [_json(s) for s in page["open"]],
        "swaps": [{**w, "shift": _json(w["shift"])} for w in page["swaps"]]})


async def act_on_shift(request: Request) -> JSONResponse:
    p = portal(request)
    volunteer_id = await me(request)
    action = _action(request, ("take", "leave", "offer"))
    act = {"take": seats.take, "leave": seats.leave, "offer": swaps.offer}[action]
    answer = await blocking(act, p, request.path_params["id"], volunteer_id)
    return JSONResponse(answer)


async def act_on_swap(request: Request) -> JSONResponse:
    p = portal(request)
    volunteer_id = await me(request)
    chosen = _action(request, ("accept", "withdraw"))
    act = swaps.accept if chosen == "accept" else swaps.withdraw
    return JSONResponse(await blocking(act, p, request.path_params["id"], volunteer_id))


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/admin/hotlines", create_hotline, methods=["POST"]),
        Route("/admin/hotlines", list_hotlines, methods=["GET"]),
        Route("/admin/hotlines/{id}/shifts/generate", generate, methods=["POST"]),
        Route("/admin/hotlines/{id}/shifts", add_shift, methods=["POST"]),
        Route("/admin/shifts", list_shifts, methods=["GET"]),
        Route("/admin/shifts/{id}", change_shift, methods=["PATCH"]),
        Route("/admin/shifts/{id}/assign", assign, methods=["POST"]),
        Route("/admin/shifts/{id}/remove", remove, methods=["POST"]),
        Route("/admin/shifts/{id}/no-show", no_show, methods=["POST"]),
        Route("/admin/shifts/{id}/served", correct, methods=["POST"]),
        Route("/admin/rota/swaps", list_swaps, methods=["GET"]),
        Route("/admin/rota/swaps/{id}/{action:str}", decide_swap, methods=["POST"]),
        Route("/admin/rota/volunteers/{id}/lift", lift, methods=["POST"]),
        Route("/admin/rota/volunteers/{id}/hours", served, methods=["GET"]),
        Route("/admin/rota/volunteers/{id}/feed", staff_feed, methods=["POST", "DELETE"]),
        Route("/admin/rota/calendar.ics", coordinator_calendar, methods=["GET"]),
        Route("/rota/feed/{token}.ics", feed, methods=["GET"]),
        Route("/me/shifts", my_shifts, methods=["GET"]),
        Route("/me/shifts/{id}/{action:str}", act_on_shift, methods=["POST"]),
        Route("/me/swaps/{id}/{action:str}", act_on_swap, methods=["POST"]),
    )
