"""Training sessions (table `trainings`) and check-in (table `attendance`), public side.

Session record: {id, module, title, starts_at, ends_at (ISO 8601, +08:00), location, capacity,
code, created_at}. The code is never in a public answer.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from forms_api import clock
from forms_api.context import Portal, blocking, portal
from forms_api.errors import ApiError
from forms_api.forms.attendance import Attendance
from forms_api.intake import wants_html
from forms_api.storage import Database, new_id
from forms_api.submit import Outcome, submit

OPENS_BEFORE = dt.timedelta(minutes=60)
RECENT = dt.timedelta(days=14)
PUBLIC_FIELDS = ("id", "module", "title", "starts_at", "ends_at", "location", "capacity")


def checked_in(db: Database, session_id: str) -> int:
    return db.table("attendance").count(session_id=session_id)


def public_session(db: Database, session: dict[str, Any]) -> dict[str, Any]:
    out = {k: session.get(k) for k in PUBLIC_FIELDS}
    out["checked_in"] = checked_in(db, session["id"])
    return out


def window(session: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """When check-in is open: from 60 minutes before the start until the end."""
    return _window(session["starts_at"], session["ends_at"])


@functools.lru_cache(maxsize=1024)
def _window(starts_at: str, ends_at: str) -> tuple[dt.datetime, dt.datetime]:
    # Parsed once per session's times, not on every check-in (datetimes are immutable).
    return clock.parse_iso(starts_at) - OPENS_BEFORE, clock.parse_iso(ends_at)


def listed_sessions(db: Database) -> list[dict[str, Any]]:
    """Upcoming sessions and those that ended in the last two weeks, soonest first."""
    since = clock.now() - RECENT
    found = [s for s in db.table("trainings").all() if clock.parse_iso(s["ends_at"]) >= since]
    found.sort(key=lambda s: (clock.parse_iso(s["starts_at"]), s["id"]))
    return [public_session(db, s) for s in found]


def receipt(record: dict[str, Any], at: dt.datetime | None = None) -> str:
    """The line a teacher shows at the door; `at` is `checked_in_at` when already parsed."""
    return f"已签到 {clock.show_time(at or clock.parse_iso(record['checked_in_at']))}"


def public_attendance(record: dict[str, Any], at: dt.datetime | None = None) -> dict[str, Any]:
    return {"id": record["id"], "session_id": record["session_id"], "name": record["name"],
            "checked_in_at": record["checked_in_at"], "receipt": receipt(record, at)}


def check_in(p: Portal, session_id: str, form: Attendance, key: str | None) -> Outcome:
    """One record per phone per session; window, code and capacity checked under one lock."""
    db = p.db
    if key is not None and not form.consent:
        # Came from the page, where agreeing to the notice is required.
        raise ApiError(422, message="请勾选同意《个人信息保护说明》后再签到。",
                       fields={"consent": "请阅读《个人信息保护说明》并勾选同意后再提交"})
    with db.transaction():
        session = db.table("trainings").get_id(session_id)
        if session is None:
            raise ApiError(404, message="找不到这场培训，请重新扫描现场的二维码。")
        if not hmac.compare_digest(form.code.encode(), str(session["code"]).encode()):
            raise ApiError(403, "wrong_code", "签到码不正确，请核对现场公布的签到码。",
                           fields={"code": "签到码不正确，请核对现场公布的签到码"})
        attendance = db.table("attendance")
        existing = attendance.find(session_id=session_id, phone=form.phone)
        if existing:
            record = existing[0]
            return 200, public_attendance(record), f"/thanks/attend/?id={record['id']}"
        now = clock.now()
        opens, closes = window(session)
        if not opens <= now <= closes:
            when = "尚未开始（开始前 60 分钟开放）" if now < opens else "已经结束"
            raise ApiError(409, "checkin_closed", f"这场培训的签到{when}。")
        if attendance.count(session_id=session_id) >= int(session["capacity"]):
            raise ApiError(409, "session_full", "这场培训的签到名额已满，请联系现场工作人员。")
        record = {"id": new_id(), "session_id": session_id, **form.model_dump(exclude={"code"}),
                  "notice_version": p.notice_version, "checked_in_at": clock.iso(now),
                  "submission": key}
        attendance.insert(record)
    return 201, public_attendance(record, now), f"/thanks/attend/?id={record['id']}"


async def list_trainings(request: Request) -> JSONResponse:
    p = portal(request)
    return JSONResponse({"items": await blocking(listed_sessions, p.db)})


async def get_training(request: Request) -> JSONResponse:
    p = portal(request)
    session = await blocking(p.db.table("trainings").get_id, request.path_params["id"])
    if session is None:
        raise ApiError(404, message="找不到这场培训。")
    return JSONResponse(await blocking(public_session, p.db, session))


async def attend(request: Request) -> Response:
    p = portal(request)
    session_id = request.path_params["id"]
    session = await p.db.run(p.db.table("trainings").get_id, session_id)
    if session is None:
        raise ApiError(404, message="找不到这场培训，请重新扫描现场的二维码。")

    def act(form: Attendance, key: str | None) -> Outcome:
        return check_in(p, session_id, form, key)

    def fake(form: Attendance) -> Outcome:
        record = {"id": new_id(), "session_id": session_id, "name": form.name,
                  "checked_in_at": clock.iso(clock.now())}
        return 201, public_attendance(record), f"/thanks/attend/?id={record['id']}"

    # The session's block is shown only on the no-JS page's refusal: drawn for browsers only.
    slots = None
    if wants_html(request):
        from forms_api.pages import session_block

        slots = {"session": session_block(p, session)}
    return await submit(request, "attendance", act, fake, slots=slots, in_memory=True)


def routes() -> list[BaseRoute]:
    return [
        Route("/trainings/{id}/attendance", attend, methods=["POST"]),  # first: the hot path
        Route("/trainings", list_trainings, methods=["GET"]),
        Route("/trainings/{id}", get_training, methods=["GET"]),
    ]
