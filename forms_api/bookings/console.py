"""Console pages for campus visits: the queue, one booking, the calendar, rules, the experts."""

from __future__ import annotations

import calendar as months
import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forms_api import clock
from forms_api.admin import audit
from forms_api.admin.downloads import attachment
from forms_api.admin.web import Ctx, FormState, page, redirect
from forms_api.bookings import experts, feedback, handling, rules
from forms_api.bookings.calendar import events, ics
from forms_api.bookings.forms import AUDIENCES, TIME_SLOTS, BookingChange
from forms_api.bookings.records import BOOKINGS, MOVES, STATUSES
from forms_api.errors import ApiError, found
from forms_api.forms.validation import validate
from forms_api.schools.records import STAGES
from forms_api.storage import Database
from forms_api.volunteers.forms import EXPERTISE, QUALIFICATIONS
from forms_api.volunteers.records import VOLUNTEERS, approved
from forms_api.web.context import Portal, blocking

# Which fields each move sends; the rest of the page's fields are left out.
MOVE_FIELDS = {"confirmed": ("date", "time_slot", "expert_id", "note"),
               "declined": ("reason", "note"), "completed": ("note",), "cancelled": ("note",)}
MOVE_LABELS = {"confirmed": "确认安排", "declined": "不能安排", "completed": "标记为已完成",
               "cancelled": "代学校取消"}


def _labels() -> dict[str, Any]:
    return {"statuses": STATUSES, "slots": TIME_SLOTS, "topics": EXPERTISE,
            "stages": STAGES, "audiences": AUDIENCES}


def counts(db: Database) -> dict[str, Any]:
    """The overview's tile: requests waiting to be arranged."""
    return {"requested": db.table(BOOKINGS).count(status="requested")}


def upcoming(db: Database) -> dict[str, Any]:
    """The overview's card: confirmed visits from today on."""
    today = clock.today().isoformat()
    visits = sorted((b for b in db.table(BOOKINGS).find(status="confirmed")
                     if (b.get("date") or "") >= today), key=lambda b: (b["date"], b["id"]))
    return {"visits": visits[:5]}


def for_exports(db: Database) -> dict[str, Any]:
    return {"statuses": STATUSES}


def calendar_file(p: Portal, actor: str) -> bytes:
    with p.db.transaction():
        audit.record(p.db, actor, "export", "calendar", format="ics")
        return ics(p.db, p.modules)


@page
async def queue(request: Request, ctx: Ctx) -> Response:
    status = request.query_params.get("status", "requested")
    if status not in (*STATUSES, "all"):
        status = "requested"

    def load() -> tuple[list[dict[str, Any]], dict[str, int], dict[str, str]]:
        rows = handling.bookings(ctx.p, None if status == "all" else status)
        every = ctx.p.db.table(BOOKINGS).all()
        tally = {s: sum(1 for b in every if b["status"] == s) for s in STATUSES}
        tally["all"] = len(every)
        names = {v["id"]: v["name"] for v in ctx.p.db.table(VOLUNTEERS).all()}
        return rows, tally, names

    rows, tally, names = await blocking(load)
    return ctx.render("bookings/bookings.html", rows=rows, status=status, counts=tally,
                      experts=names, **_labels())


@page
async def booking(request: Request, ctx: Ctx) -> Response:
    booking_id = request.path_params["id"]
    state = FormState()
    if request.method == "POST":
        move = ctx.text("status")
        state.values = {"status": move, **{k: ctx.text(k) for k in
                                           ("date", "time_slot", "expert_id", "note", "reason")}}

        async def act() -> Response:
            chosen = {k: state.values[k] for k in MOVE_FIELDS.get(move, ())}
            form = validate(BookingChange, {"status": move, **chosen}, json=False)
            await blocking(handling.change, ctx.p, booking_id, form, ctx.admin)
            return redirect(f"/admin/bookings/{booking_id}/?done={move}")

        if done := await state.attempt(act):
            return done

    def load() -> tuple[dict[str, Any] | None, list[dict[str, Any]], dict[str, Any]]:
        return (ctx.p.db.table(BOOKINGS).get_id(booking_id), approved(ctx.p.db),
                feedback.for_booking(ctx.p.db, booking_id))

    current, candidates, answers = await blocking(load)
    current = found(current, handling.NOT_FOUND)
    if not state.values:
        state.values = {"date": current.get("date") or min(current.get("preferred_dates") or [""]),
                        "time_slot": current.get("time_slot"),
                        "expert_id": current.get("expert_id") or "", "note": "", "reason": ""}
    moves = {m: MOVE_LABELS[m] for m in MOVES.get(current["status"], ())}
    expert = next((v for v in candidates if v["id"] == current.get("expert_id")), None)
    return ctx.render("bookings/booking.html", state.status, **state.context(),
                      booking=current, experts=candidates, expert=expert, moves=moves,
                      feedback=answers if current["status"] == "completed" else None,
                      done=request.query_params.get("done"), **_labels())


def _month(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{value}-01") if value else clock.today().replace(day=1)
    except ValueError:
        return clock.today().replace(day=1)


@page
async def visits(request: Request, ctx: Ctx) -> Response:
    first = _month(request.query_params.get("month"))
    found = await blocking(events, ctx.p.db, ctx.p.modules)
    today = clock.today()
    upcoming_visits = [e for e in found if e["kind"] == "visit" and e["start"].date() >= today]
    by_day: dict[dt.date, list[dict[str, Any]]] = {}
    for e in found:
        by_day.setdefault(e["start"].date(), []).append(e)
    weeks = [[(d, by_day.get(d, [])) for d in week]
             for week in months.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)]
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return ctx.render("bookings/visits.html", upcoming=upcoming_visits, weeks=weeks, first=first, today=today,
                      previous=previous.strftime("%Y-%m"), following=following.strftime("%Y-%m"))


def _blackout_text(current: rules.Rules) -> str:
    return "\n".join(f"{b.date} {b.reason}".strip() for b in current.blackout)


@page
async def rules_page(request: Request, ctx: Ctx) -> Response:
    state = FormState()
    if request.method == "POST":
        state.values = {k: ctx.text(k) for k in
                        ("per_school_per_term", "per_expert_per_month", "blackout")}

        async def save() -> Response:
            await blocking(rules.save_rules, ctx.p.db, state.values, ctx.admin)
            return redirect("/admin/limits/?saved=1")

        if done := await state.attempt(save):
            return done
    else:
        current = await blocking(rules.load_rules, ctx.p.db)
        state.values = {"per_school_per_term": current.per_school_per_term or "",
                        "per_expert_per_month": current.per_expert_per_month or "",
                        "blackout": _blackout_text(current)}
    return ctx.render("bookings/limits.html", state.status, **state.context(),
                      saved=bool(request.query_params.get("saved")))


def _expert_labels() -> dict[str, Any]:
    return {"qualifications": QUALIFICATIONS, "expertise": EXPERTISE}


@page
async def directory(request: Request, ctx: Ctx) -> Response:
    rows = await blocking(experts.directory, ctx.p.db)
    return ctx.render("bookings/experts.html", rows=rows, **_expert_labels())


@page
async def expert(request: Request, ctx: Ctx) -> Response:
    expert_id = request.path_params["id"]
    person = await blocking(ctx.p.db.table(VOLUNTEERS).get_id, expert_id)
    if person is None or person["status"] != "approved":
        raise ApiError(404, message=experts.NOT_FOUND)
    visits = await blocking(experts.service_record, ctx.p.db, expert_id)
    return ctx.render("bookings/expert.html", person=person, visits=visits,
                      today=clock.today().isoformat(), **_expert_labels())


@page
async def calendar_download(request: Request, ctx: Ctx) -> Response:
    return attachment(await blocking(calendar_file, ctx.p, ctx.admin), "xinyu-calendar", "ics")


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/admin/bookings/", queue, methods=["GET"]),
        Route("/admin/bookings/{id}/", booking, methods=["GET", "POST"]),
        Route("/admin/visits/", visits, methods=["GET"]),
        Route("/admin/limits/", rules_page, methods=["GET", "POST"]),
        Route("/admin/experts/", directory, methods=["GET"]),
        Route("/admin/experts/{id}/", expert, methods=["GET"]),
        Route("/admin/calendar.ics", calendar_download, methods=["GET"]),
    )
