"""Console pages for campus visits: the queue, one booking, upcoming visits and the calendar, limits."""

from __future__ import annotations

import calendar as months
import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forms_api import clock
from forms_api.admin import bookings, limits
from forms_api.admin.calendar import events
from forms_api.admin.exports import BOOKING_STATUSES
from forms_api.admin.web import Ctx, errors_of, page, redirect
from forms_api.context import blocking
from forms_api.errors import ApiError
from forms_api.forms._fields import EXPERTISE
from forms_api.forms.bookings import AUDIENCES, STAGES, TIME_SLOTS
from forms_api.forms.validation import validate

# Which fields each move sends; the rest of the page's fields are left out.
MOVE_FIELDS = {"confirmed": ("date", "time_slot", "expert_id", "note"),
               "declined": ("reason", "note"), "completed": ("note",), "cancelled": ("note",)}
MOVE_LABELS = {"confirmed": "确认安排", "declined": "不能安排", "completed": "标记为已完成",
               "cancelled": "代学校取消"}


def _labels() -> dict[str, Any]:
    return {"statuses": BOOKING_STATUSES, "slots": TIME_SLOTS, "topics": EXPERTISE,
            "stages": STAGES, "audiences": AUDIENCES}


@page
async def queue(request: Request, ctx: Ctx) -> Response:
    status = request.query_params.get("status", "requested")
    if status not in (*BOOKING_STATUSES, "all"):
        status = "requested"

    def load() -> tuple[list[dict[str, Any]], dict[str, int], dict[str, str]]:
        rows = bookings.bookings(ctx.p, None if status == "all" else status)
        every = ctx.p.db.table("bookings").all()
        counts = {s: sum(1 for b in every if b["status"] == s) for s in BOOKING_STATUSES}
        counts["all"] = len(every)
        names = {v["id"]: v["name"] for v in ctx.p.db.table("volunteers").all()}
        return rows, counts, names

    rows, counts, names = await blocking(load)
    return ctx.render("bookings.html", rows=rows, status=status, counts=counts, experts=names,
                      **_labels())


@page
async def booking(request: Request, ctx: Ctx) -> Response:
    booking_id = request.path_params["id"]
    errors: dict[str, str] = {}
    message = None
    status = 200
    values: dict[str, Any] = {}
    if request.method == "POST":
        move = ctx.text("status")
        values = {"status": move, **{k: ctx.text(k) for k in
                                     ("date", "time_slot", "expert_id", "note", "reason")}}
        try:
            chosen = {k: values[k] for k in MOVE_FIELDS.get(move, ())}
            form = validate(bookings.BookingChange, {"status": move, **chosen}, json=False)
            await blocking(bookings.change, ctx.p, booking_id, form, ctx.admin)
            return redirect(f"/admin/bookings/{booking_id}/?done={move}")
        except ApiError as exc:
            errors, message, status = errors_of(exc), exc.message, exc.status

    def load() -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        db = ctx.p.db
        found = db.table("bookings").get_id(booking_id)
        approved = sorted(db.table("volunteers").find(status="approved"), key=lambda v: v["name"])
        return found, approved

    found, approved = await blocking(load)
    if found is None:
        raise ApiError(404, message="找不到这个预约。")
    if not values:
        values = {"date": found.get("date") or min(found.get("preferred_dates") or [""]),
                  "time_slot": found.get("time_slot"), "expert_id": found.get("expert_id") or "",
                  "note": "", "reason": ""}
    moves = {m: MOVE_LABELS[m] for m in bookings.MOVES.get(found["status"], ())}
    expert = next((v for v in approved if v["id"] == found.get("expert_id")), None)
    return ctx.render("booking.html", status,
                      booking=found, experts=approved, expert=expert, moves=moves,
                      values=values, errors=errors, message=message,
                      done=request.query_params.get("done"), **_labels())


def _month(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{value}-01") if value else clock.today().replace(day=1)
    except ValueError:
        return clock.today().replace(day=1)


@page
async def visits(request: Request, ctx: Ctx) -> Response:
    first = _month(request.query_params.get("month"))
    found = await blocking(events, ctx.p.db)
    today = clock.today()
    upcoming = [e for e in found if e["kind"] == "visit" and e["start"].date() >= today]
    by_day: dict[dt.date, list[dict[str, Any]]] = {}
    for e in found:
        by_day.setdefault(e["start"].date(), []).append(e)
    weeks = [[(d, by_day.get(d, [])) for d in week]
             for week in months.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)]
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return ctx.render("visits.html", upcoming=upcoming, weeks=weeks, first=first, today=today,
                      previous=previous.strftime("%Y-%m"), following=following.strftime("%Y-%m"))


def _blackout_text(rules: limits.Rules) -> str:
    return "\n".join(f"{b.date} {b.reason}".strip() for b in rules.blackout)


@page
async def rules(request: Request, ctx: Ctx) -> Response:
    errors: dict[str, str] = {}
    message = None
    status = 200
    saved = bool(request.query_params.get("saved"))
    if request.method == "POST":
        values: dict[str, Any] = {k: ctx.text(k) for k in (
            "per_school_per_term", "per_expert_per_month", "blackout")}
        try:
            await blocking(limits.save_rules, ctx.p.db, values, ctx.admin)
            return redirect("/admin/limits/?saved=1")
        except ApiError as exc:
            errors, message, status = errors_of(exc), exc.message, exc.status
    else:
        current = await blocking(limits.load_rules, ctx.p.db)
        values = {"per_school_per_term": current.per_school_per_term or "",
                  "per_expert_per_month": current.per_expert_per_month or "",
                  "blackout": _blackout_text(current)}
    return ctx.render("limits.html", status, values=values, errors=errors,
                      message=message, saved=saved)


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/bookings/", queue, methods=["GET"]),
        Route("/admin/bookings/{id}/", booking, methods=["GET", "POST"]),
        Route("/admin/visits/", visits, methods=["GET"]),
        Route("/admin/limits/", rules, methods=["GET", "POST"]),
    ]
