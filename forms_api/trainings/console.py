"""Console pages for training: sessions (with their rules and registrations), 继续教育学时."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api import clock
from forms_api.admin.web import Ctx, FormState, page, redirect
from forms_api.errors import found
from forms_api.forms.validation import validate
from forms_api.storage import Database
from forms_api.trainings import codes, hours, sessions, venue
from forms_api.trainings.forms import TrainingSession
from forms_api.trainings.records import (
    REGISTRATION_STATUSES,
    SESSIONS,
    SOURCES,
    attendance_of,
    checked_in,
    registrations_of,
)
from forms_api.web.context import blocking

BASE_FIELDS = ("module", "title", "starts_at", "ends_at", "location", "capacity", "code")
RULE_FIELDS = ("code_rotation_seconds", "sign_out", "min_attendance", "registration_capacity",
               "registration_deadline", "registration_required")
FIELDS = BASE_FIELDS + RULE_FIELDS
NO_SESSION = "找不到这场培训。"


def _local(stored: Any) -> Any:
    if isinstance(stored, str) and stored:
        return clock.parse_iso(stored).strftime("%Y-%m-%dT%H:%M")
    return stored


def _validated(values: dict[str, Any]) -> TrainingSession:
    """The console form as a session whose every rule is stated (a blank one is cleared)."""
    form = validate(TrainingSession, _posted(values), json=False)
    if not values.get("registration_capacity"):
        # A blank is "absent" to the validator; here it means "no registration".
        form = form.model_copy(update={"registration": None})
    return form


def _posted(values: dict[str, Any]) -> dict[str, Any]:
    """The console form's flat fields as the session's shape."""
    data = {k: values.get(k, "") for k in BASE_FIELDS}
    data["code_rotation_seconds"] = values.get("code_rotation_seconds") or "0"
    data["min_attendance"] = values.get("min_attendance") or "0"
    data["sign_out"] = "true" if values.get("sign_out") else "false"
    seats = values.get("registration_capacity")
    data["registration"] = {"capacity": seats, "deadline": values.get("registration_deadline"),
                            "required": "true" if values.get("registration_required")
                            else "false"} if seats else None
    return data


def _form_values(session: dict[str, Any]) -> dict[str, Any]:
    """A stored session as the form shows it (datetime-local wants `YYYY-MM-DDTHH:MM`)."""
    values = {k: session.get(k) for k in FIELDS}
    rule = session.get("registration") or {}
    values.update(registration_capacity=rule.get("capacity"),
                  registration_deadline=_local(rule.get("deadline")),
                  registration_required=rule.get("required"))
    for key in ("starts_at", "ends_at"):
        stored = values[key]
        if isinstance(stored, str) and stored:
            values[key] = clock.parse_iso(stored).strftime("%Y-%m-%dT%H:%M")
    return values


def _modules(ctx: Ctx) -> list[tuple[str, str]]:
    return [(slug, f"{m.title}（{m.hours:g} 学时）") for slug, m in ctx.p.modules.items()]


async def _session(ctx: Ctx, session_id: str) -> dict[str, Any]:
    return found(await blocking(ctx.p.db.table(SESSIONS).get_id, session_id), NO_SESSION)


def upcoming(db: Database) -> dict[str, Any]:
    """The overview's card: sessions not yet ended, soonest first."""
    now = clock.now()
    every = sorted((s for s in db.table(SESSIONS).all() if clock.parse_iso(s["ends_at"]) >= now),
                   key=lambda s: s["starts_at"])
    return {"sessions": every[:5]}


def for_exports(db: Database) -> dict[str, Any]:
    """The exports page's card: every session, newest first, to filter the attendance by."""
    return {"sessions": sorted(db.table(SESSIONS).all(), key=lambda s: s["starts_at"],
                               reverse=True)}


@page
async def sessions_list(request: Request, ctx: Ctx) -> Response:
    db = ctx.p.db

    def load() -> list[dict[str, Any]]:
        every = sorted(db.table(SESSIONS).all(), key=lambda s: s["starts_at"], reverse=True)
        return [{**s, "checked_in": checked_in(db, s["id"])} for s in every]

    return ctx.render("trainings/trainings.html", sessions=await blocking(load),
                      modules=ctx.p.modules)


@page
async def session_new(request: Request, ctx: Ctx) -> Response:
    state = FormState()
    if request.method == "POST":
        state.values = {k: ctx.text(k) for k in FIELDS}

        async def save() -> Response:
            form = _validated(state.values)
            made = await blocking(sessions.create, ctx.p, form, ctx.admin)
            return redirect(f"/admin/trainings/{made['id']}/")

        if done := await state.attempt(save):
            return done
    return ctx.render("trainings/training_form.html", state.status, **state.context(),
                      modules=_modules(ctx), session=None)


@page
async def session_detail(request: Request, ctx: Ctx) -> Response:
    session_id = request.path_params["id"]
    session = await _session(ctx, session_id)
    state = FormState(_form_values(session))
    if request.method == "POST":
        state.values = {k: ctx.text(k) for k in FIELDS}

        async def save() -> Response:
            form = _validated(state.values)
            await blocking(sessions.update, ctx.p, session_id, form, ctx.admin)
            return redirect(f"/admin/trainings/{session_id}/?saved=1")

        if done := await state.attempt(save):
            return done
    db = ctx.p.db

    def load() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        rows = [{**r, "problem": hours.problem(session, r)} for r in attendance_of(db, session_id)]
        return rows, registrations_of(db, session_id)

    attendance, registered = await blocking(load)
    arrived = {r["phone"] for r in attendance}
    return ctx.render("trainings/training.html", state.status, **state.context(),
                      session=session, module=ctx.p.modules.get(session["module"]),
                      attendance=attendance, modules=_modules(ctx),
                      registrations=registered, arrived=arrived,
                      statuses=REGISTRATION_STATUSES, sources=SOURCES,
                      reasons=venue.REASONS, done=request.query_params.get("done"),
                      saved=bool(request.query_params.get("saved")),
                      link=venue.link(request, session) if not codes.rotation(session) else "")


@page
async def live_count(request: Request, ctx: Ctx) -> Response:
    session = await _session(ctx, request.path_params["id"])
    count = await blocking(checked_in, ctx.p.db, session["id"])
    return JSONResponse({"checked_in": count, "capacity": session["capacity"]},
                        headers={"Cache-Control": "no-store"})


@page
async def hours_list(request: Request, ctx: Ctx) -> Response:
    teachers = await blocking(hours.teachers, ctx.p.db, ctx.p.module_hours)
    return ctx.render("trainings/hours.html", teachers=teachers)


@page
async def hours_record(request: Request, ctx: Ctx) -> Response:
    teacher = found(await blocking(hours.teacher, ctx.p.db, ctx.p.module_hours,
                                   request.path_params["key"]), "找不到这位教师的签到记录。")
    return ctx.render("trainings/hours_record.html", teacher=teacher, modules=ctx.p.modules,
                      today=clock.today().isoformat())


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/admin/trainings/", sessions_list, methods=["GET"]),
        Route("/admin/trainings/new", session_new, methods=["GET", "POST"]),
        Route("/admin/trainings/{id}/", session_detail, methods=["GET", "POST"]),
        Route("/admin/trainings/{id}/count", live_count, methods=["GET"]),
        Route("/admin/hours/", hours_list, methods=["GET"]),
        Route("/admin/hours/{key}", hours_record, methods=["GET"]),
    )
