"""The trainings API: sessions and check-in (public), sessions, attendance and hours (admin)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api import clock
from forms_api.admin.auth import admin_form, require_admin
from forms_api.admin.lists import page_of
from forms_api.errors import found
from forms_api.forms.validation import validate
from forms_api.storage import Database
from forms_api.trainings import (
    checkin,
    codes,
    corrections,
    hours,
    records,
    registration,
    sessions,
    signout,
)
from forms_api.trainings.forms import (
    Attendance,
    CancelRegistration,
    CorrectEntry,
    PaperEntry,
    Registration,
    RemoveEntry,
    SignOut,
    TrainingSession,
)
from forms_api.trainings.pages import session_block
from forms_api.trainings.records import SESSIONS
from forms_api.web import personal
from forms_api.web.context import blocking, portal
from forms_api.web.intake import client_address, read_submission, wants_html
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

    teacher: list[str] = []

    def act(form: Attendance, key: str | None) -> Outcome:
        return checkin.check_in(p, session_id, form, key, teacher)

    def fake(form: Attendance) -> Outcome:
        return checkin.pretend(session_id, form)

    # The session's block is shown only on the no-JS page's refusal: drawn for browsers only.
    slots = {"session": session_block(p, session)} if wants_html(request) else None
    response = await submit(request, "attendance", act, fake, slots=slots, in_memory=True)
    if teacher:  # the receipt links to her own record: this phone's browser may open it
        secure = request.url.scheme == "https" or (p.settings.site_url or "").startswith("https:")
        personal.start_session(response, p.secret, personal.Person("teacher", teacher[0]),
                               secure, personal.CHECKIN_COOKIE)
    return response


async def create_training(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, TrainingSession)
    made = await blocking(sessions.create, portal(request), form, admin)
    return JSONResponse(made, status_code=201)


async def update_training(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, TrainingSession)
    return JSONResponse(await blocking(sessions.update, portal(request),
                                       request.path_params["id"], form, admin))


async def admin_trainings(request: Request) -> JSONResponse:
    await require_admin(request)
    p = portal(request)

    def load() -> list[dict[str, Any]]:
        every = sorted(p.db.table(SESSIONS).all(), key=lambda s: s["starts_at"])
        return [records.admin_session(p.db, s) for s in every]

    return JSONResponse(page_of(request, await blocking(load)))


async def _of_session(request: Request, items: Callable[[Database, str], list[dict[str, Any]]]
                      ) -> JSONResponse:
    """One page of a session's items for staff; 404 when there is no such session."""
    await require_admin(request)
    db = portal(request).db
    session_id = request.path_params["id"]

    def load() -> list[dict[str, Any]] | None:
        if db.table(SESSIONS).get_id(session_id) is None:
            return None
        return items(db, session_id)

    return JSONResponse(page_of(request, found(await blocking(load), NO_SESSION)))


async def attendance(request: Request) -> JSONResponse:
    return await _of_session(request, records.attendance_of)


async def list_hours(request: Request) -> JSONResponse:
    await require_admin(request)
    p = portal(request)
    teachers = await blocking(hours.teachers, p.db, p.module_hours)
    items = [{"key": t.key, "name": t.name, "school": t.school, "phone": t.phone,
              "hours": t.hours,
              "sessions": [{"id": s["id"], "title": s["title"], "module": s["module"],
                            "starts_at": s["starts_at"], "hours": h,
                            "checked_in_at": r["checked_in_at"]} for s, r, h in t.sessions],
              "incomplete": [{"id": s["id"], "title": s["title"], "module": s["module"],
                              "starts_at": s["starts_at"], "checked_in_at": r["checked_in_at"],
                              "record": r["id"], "reason": why} for s, r, why in t.incomplete]}
             for t in teachers]
    return JSONResponse(page_of(request, items))


async def register(request: Request) -> Response:
    p = portal(request)
    session_id = request.path_params["id"]

    def act(form: Registration, key: str | None) -> Outcome:
        return registration.register(p, session_id, form, key)

    def fake(form: Registration) -> Outcome:
        return 201, {"id": "x", "session_id": session_id, "status": "registered"}, \
            "/thanks/register/"

    return await submit(request, "registration", act, fake)


async def cancel_registration(request: Request) -> Response:
    """From the receipt's link: the token proves it is the teacher's own registration."""
    p = portal(request)
    p.ratelimit.hit(client_address(request))
    submission = await read_submission(request, CancelRegistration)
    form = validate(CancelRegistration, submission.data, json=submission.json)
    record_id = request.path_params["id"]
    done = await blocking(registration.cancel, p.db, record_id, form.token)
    if wants_html(request):
        return RedirectResponse(registration.receipt_link(record_id, form.token), status_code=303)
    return JSONResponse(done)


async def sign_out(request: Request) -> Response:
    p = portal(request)
    session_id = request.path_params["id"]

    def act(form: SignOut, key: str | None) -> Outcome:
        return signout.sign_out(p, session_id, form, key)

    def fake(form: SignOut) -> Outcome:
        return signout.pretend(session_id, form)

    return await submit(request, "signout", act, fake, in_memory=True)


async def code(request: Request) -> JSONResponse:
    await require_admin(request)
    return await code_answer(request)


async def code_answer(request: Request) -> JSONResponse:
    """The code to show now (`?purpose=signout` for the sign-out code) and when it changes."""
    p = portal(request)
    session = found(await blocking(p.db.table(SESSIONS).get_id, request.path_params["id"]),
                    NO_SESSION)
    purpose: codes.Purpose = (
        "signout" if request.query_params.get("purpose") == "signout" else "checkin")
    shown, changes = codes.current(session, purpose)
    return JSONResponse({"code": shown, "expires_at": clock.iso(changes) if changes else None,
                         "rotation_seconds": codes.rotation(session)},
                        headers={"Cache-Control": "no-store"})


async def cancel_training(request: Request) -> JSONResponse:
    admin = await require_admin(request)
    return JSONResponse(await blocking(sessions.cancel, portal(request),
                                       request.path_params["id"], admin))


def _registrations(db: Database, session_id: str) -> list[dict[str, Any]]:
    arrived = {r["phone"] for r in records.attendance_of(db, session_id)}
    return [{**{k: v for k, v in r.items() if k != "token_hash"},
             "position": registration.position(db, r), "checked_in": r["phone"] in arrived}
            for r in records.registrations_of(db, session_id)]


async def registrations(request: Request) -> JSONResponse:
    return await _of_session(request, _registrations)


async def paper_entry(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, PaperEntry)
    made = await blocking(corrections.paper_entry, portal(request), request.path_params["id"],
                          form, admin)
    return JSONResponse(made, status_code=201)


async def remove_entry(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, RemoveEntry)
    await blocking(corrections.remove, portal(request), request.path_params["id"],
                   request.path_params["record"], form, admin)
    return JSONResponse({"removed": request.path_params["record"]})


async def correct_entry(request: Request) -> JSONResponse:
    admin, form = await admin_form(request, CorrectEntry)
    return JSONResponse(await blocking(corrections.correct, portal(request),
                                       request.path_params["id"],
                                       request.path_params["record"], form, admin))


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/trainings/{id}/attendance", attend, methods=["POST"]),  # first: the hot path
        Route("/trainings/{id}/signout", sign_out, methods=["POST"]),
        Route("/trainings/{id}/registrations", register, methods=["POST"]),
        Route("/registrations/{id}/cancel", cancel_registration, methods=["POST"]),
        Route("/admin/trainings/{id}/code", code, methods=["GET"]),
        Route("/admin/trainings/{id}/cancel", cancel_training, methods=["POST"]),
        Route("/admin/trainings/{id}/registrations", registrations, methods=["GET"]),
        Route("/admin/trainings/{id}/attendance", paper_entry, methods=["POST"]),
        Route("/admin/trainings/{id}/attendance/{record}/remove", remove_entry, methods=["POST"]),
        Route("/admin/trainings/{id}/attendance/{record}/correct", correct_entry,
              methods=["POST"]),
        Route("/trainings", list_trainings, methods=["GET"]),
        Route("/trainings/{id}", get_training, methods=["GET"]),
        Route("/admin/trainings", create_training, methods=["POST"]),
        Route("/admin/trainings", admin_trainings, methods=["GET"]),
        Route("/admin/trainings/{id}", update_training, methods=["PATCH"]),
        Route("/admin/trainings/{id}/attendance", attendance, methods=["GET"]),
        Route("/admin/hours", list_hours, methods=["GET"]),
    )
