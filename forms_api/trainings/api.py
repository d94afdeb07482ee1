"""The trainings API: sessions and check-in (public), sessions, attendance and hours (admin)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api.admin.auth import admin_form, require_admin
from forms_api.admin.lists import page_of
from forms_api.errors import found
from forms_api.trainings import checkin, hours, records, sessions
from forms_api.trainings.forms import Attendance, TrainingSession
from forms_api.trainings.pages import session_block
from forms_api.trainings.records import SESSIONS
from forms_api.web.context import blocking, portal
from forms_api.web.intake import wants_html
from forms_api.web.submit import Outcome, submit

NO_SESSION = "找不到这场培训。"


async def list_trainings(request: Request) -> JSONResponse:
    p = portal(request)
    return JSONResponse({"items": await blocking(records.listed_sessions, p.db)})


async def get_training(request: Request) -> JSONResponse:
    p = portal(request)
    session = found(await blocking(p.db.table(SESSIONS).get_id, request.path_params["id"]),
                    NO_SESSION)
    return JSONResponse(await blocking(records.public_session, p.db, session))


async def attend(request: Request) -> Response:
    p = portal(request)
    session_id = request.path_params["id"]
    session = found(await p.db.run(p.db.table(SESSIONS).get_id, session_id),
                    "找不到这场培训，请重新扫描现场的二维码。")

    def act(form: Attendance, key: str | None) -> Outcome:
        return checkin.check_in(p, session_id, form, key)

    def fake(form: Attendance) -> Outcome:
        return checkin.pretend(session_id, form)

    # The session's block is shown only on the no-JS page's refusal: drawn for browsers only.
    slots = {"session": session_block(p, session)} if wants_html(request) else None
    return await submit(request, "attendance", act, fake, slots=slots, in_memory=True)


async def create_training(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, TrainingSession)
    made = await blocking(sessions.create, portal(request), form, admin)
    return JSONResponse(made, status_code=201)


async def update_training(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, TrainingSession)
    return JSONResponse(await blocking(sessions.update, portal(request),
                                       request.path_params["id"], form, admin))


async def admin_trainings(request: Request) -> JSONResponse:
    require_admin(request)
    p = portal(request)

    def load() -> list[dict[str, Any]]:
        every = sorted(p.db.table(SESSIONS).all(), key=lambda s: s["starts_at"])
        return [{**records.public_session(p.db, s), "code": s["code"]} for s in every]

    return JSONResponse(page_of(request, await blocking(load)))


async def attendance(request: Request) -> JSONResponse:
    require_admin(request)
    p = portal(request)
    session_id = request.path_params["id"]

    def load() -> list[dict[str, Any]] | None:
        if p.db.table(SESSIONS).get_id(session_id) is None:
            return None
        return records.attendance_of(p.db, session_id)

    return JSONResponse(page_of(request, found(await blocking(load), NO_SESSION)))


async def list_hours(request: Request) -> JSONResponse:
    require_admin(request)
    p = portal(request)
    teachers = await blocking(hours.teachers, p.db, p.module_hours)
    items = [{"key": t.key, "name": t.name, "school": t.school, "phone": t.phone,
              "hours": t.hours,
              "sessions": [{"id": s["id"], "title": s["title"], "module": s["module"],
                            "starts_at": s["starts_at"], "hours": h,
                            "checked_in_at": r["checked_in_at"]} for s, r, h in t.sessions]}
             for t in teachers]
    return JSONResponse(page_of(request, items))


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/trainings/{id}/attendance", attend, methods=["POST"]),  # first: the hot path
        Route("/trainings", list_trainings, methods=["GET"]),
        Route("/trainings/{id}", get_training, methods=["GET"]),
        Route("/admin/trainings", create_training, methods=["POST"]),
        Route("/admin/trainings", admin_trainings, methods=["GET"]),
        Route("/admin/trainings/{id}", update_training, methods=["PATCH"]),
        Route("/admin/trainings/{id}/attendance", attendance, methods=["GET"]),
        Route("/admin/hours", list_hours, methods=["GET"]),
    )
