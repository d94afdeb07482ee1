"""Console pages for training: sessions, the projector page with its QR code, 继续教育学时."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import segno
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api import clock
from forms_api.admin import hours, trainings
from forms_api.admin.downloads import module_hours
from forms_api.admin.web import Ctx, errors_of, page, redirect
from forms_api.context import blocking
from forms_api.errors import ApiError
from forms_api.forms.validation import validate
from forms_api.trainings import checked_in

FIELDS = ("module", "title", "starts_at", "ends_at", "location", "capacity", "code")


def _form_values(session: dict[str, Any]) -> dict[str, Any]:
    """A stored session as the form shows it (datetime-local wants `YYYY-MM-DDTHH:MM`)."""
    values = {k: session.get(k) for k in FIELDS}
    for key in ("starts_at", "ends_at"):
        stored = values[key]
        if isinstance(stored, str) and stored:
            values[key] = clock.parse_iso(stored).strftime("%Y-%m-%dT%H:%M")
    return values


def _modules(ctx: Ctx) -> list[tuple[str, str]]:
    return [(slug, f"{m.title}（{m.hours:g} 学时）") for slug, m in ctx.p.modules.items()]


@page
async def sessions_list(request: Request, ctx: Ctx) -> Response:
    db = ctx.p.db

    def load() -> list[dict[str, Any]]:
        found = sorted(db.table("trainings").all(), key=lambda s: s["starts_at"], reverse=True)
        return [{**s, "checked_in": checked_in(db, s["id"])} for s in found]

    return ctx.render("trainings.html", sessions=await blocking(load), modules=ctx.p.modules)


@page
async def session_new(request: Request, ctx: Ctx) -> Response:
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    message = None
    status = 200
    if request.method == "POST":
        values = {k: ctx.text(k) for k in FIELDS}
        try:
            form = validate(trainings.TrainingSession, dict(values), json=False)
            made = await blocking(trainings.create, ctx.p, form, ctx.admin)
            return redirect(f"/admin/trainings/{made['id']}/")
        except ApiError as exc:
            errors, message, status = errors_of(exc), exc.message, exc.status
    return ctx.render("training_form.html", status, values=values,
                      errors=errors, message=message, modules=_modules(ctx), session=None)


@page
async def session_detail(request: Request, ctx: Ctx) -> Response:
    db = ctx.p.db
    session_id = request.path_params["id"]
    session = await blocking(db.table("trainings").get_id, session_id)
    if session is None:
        raise ApiError(404, message="找不到这场培训。")
    errors: dict[str, str] = {}
    message = None
    status = 200
    values = _form_values(session)
    if request.method == "POST":
        values = {k: ctx.text(k) for k in FIELDS}
        try:
            form = validate(trainings.TrainingSession, dict(values), json=False)
            await blocking(trainings.update, ctx.p, session_id, form, ctx.admin)
            return redirect(f"/admin/trainings/{session_id}/?saved=1")
        except ApiError as exc:
            errors, message, status = errors_of(exc), exc.message, exc.status
    attendance = await blocking(trainings_attendance, db, session_id)
    module = ctx.p.modules.get(session["module"])
    return ctx.render("training.html", status, session=session,
                      module=module, attendance=attendance, values=values, errors=errors,
                      message=message, modules=_modules(ctx),
                      saved=bool(request.query_params.get("saved")),
                      link=checkin_link(request, session))


def trainings_attendance(db: Any, session_id: str) -> list[dict[str, Any]]:
    found = db.table("attendance").find(session_id=session_id)
    return sorted(found, key=lambda r: (r["checked_in_at"], r["id"]))


def checkin_link(request: Request, session: dict[str, Any]) -> str:
    base = str(request.base_url).rstrip("/")
    return f"{base}/attend/?{urlencode({'session': session['id'], 'code': session['code']})}"


@page
async def projector(request: Request, ctx: Ctx) -> Response:
    db = ctx.p.db
    session = await blocking(db.table("trainings").get_id, request.path_params["id"])
    if session is None:
        raise ApiError(404, message="找不到这场培训。")
    link = checkin_link(request, session)
    qr = segno.make(link, error="m")
    svg = qr.svg_inline(scale=1, border=2, dark="#000", light="#fff", omitsize=True,
                        title="签到二维码")
    count = await blocking(checked_in, db, session["id"])
    return ctx.render("projector.html", session=session, qr_svg=svg, link=link, count=count,
                      module=ctx.p.modules.get(session["module"]))


@page
async def live_count(request: Request, ctx: Ctx) -> Response:
    db = ctx.p.db
    session = await blocking(db.table("trainings").get_id, request.path_params["id"])
    if session is None:
        raise ApiError(404, message="找不到这场培训。")
    count = await blocking(checked_in, db, session["id"])
    return JSONResponse({"checked_in": count, "capacity": session["capacity"]},
                        headers={"Cache-Control": "no-store"})


@page
async def hours_list(request: Request, ctx: Ctx) -> Response:
    found = await blocking(hours.teachers, ctx.p.db, module_hours(ctx.p))
    return ctx.render("hours.html", teachers=found)


@page
async def hours_record(request: Request, ctx: Ctx) -> Response:
    found = await blocking(hours.teacher, ctx.p.db, module_hours(ctx.p), request.path_params["key"])
    if found is None:
        raise ApiError(404, message="找不到这位教师的签到记录。")
    return ctx.render("hours_record.html", teacher=found, modules=ctx.p.modules,
                      today=clock.today().isoformat())


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/trainings/", sessions_list, methods=["GET"]),
        Route("/admin/trainings/new", session_new, methods=["GET", "POST"]),
        Route("/admin/trainings/{id}/", session_detail, methods=["GET", "POST"]),
        Route("/admin/trainings/{id}/projector", projector, methods=["GET"]),
        Route("/admin/trainings/{id}/count", live_count, methods=["GET"]),
        Route("/admin/hours/", hours_list, methods=["GET"]),
        Route("/admin/hours/{key}", hours_record, methods=["GET"]),
    ]
