"""Admin: create training sessions (table `trainings`) and read their attendance.

Session record: {id, module, title, starts_at, ends_at (ISO 8601, +08:00), location, capacity,
code (4–8 digits, unique among sessions not yet ended), created_at}.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError
from starlette.requests import Request
from starlette.responses import JSONResponse

from forms_api import clock
from forms_api.admin import audit
from forms_api.admin.auth import require_admin
from forms_api.admin.lists import page_of
from forms_api.context import Portal, blocking, portal
from forms_api.errors import ApiError
from forms_api.forms._fields import PortalForm, field
from forms_api.forms.attendance import CODE_PATTERN
from forms_api.forms.validation import validate
from forms_api.intake import read_submission
from forms_api.storage import new_id
from forms_api.trainings import public_session


def _in_shanghai(moment: dt.datetime) -> dt.datetime:
    aware = moment.replace(tzinfo=clock.TZ) if moment.tzinfo is None else moment
    return aware.astimezone(clock.TZ).replace(microsecond=0)


def _parse_moment(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError(
                "datetime", "请按 ISO 8601 填写时间，例如 2026-12-07T09:00:00+08:00") from None
    return value


Moment = Annotated[dt.datetime, BeforeValidator(_parse_moment), AfterValidator(_in_shanghai)]


def _digits(code: str) -> str:
    if not code.isdigit():
        raise PydanticCustomError("code", "签到码应为 4 到 8 位数字")
    return code


class TrainingSession(PortalForm):
    """新建培训场次"""

    module: str = field("培训课程", max_length=60, help="content/training/ 下某个课程的 slug")
    title: str = field("场次名称", min_length=2, max_length=60)
    starts_at: Moment = field("开始时间", help="ISO 8601；不带时区时按北京时间")
    ends_at: Moment = field("结束时间")
    location: str = field("地点", min_length=2, max_length=100)
    capacity: int = field("名额", ge=1, le=5000)
    code: Annotated[str, AfterValidator(_digits)] | None = field(
        "签到码", None, min_length=4, max_length=8, pattern=CODE_PATTERN)


def _new_code(active_codes: set[str]) -> str:
    while True:
        code = f"{secrets.randbelow(10**6):06d}"
        if code not in active_codes:
            return code


def _check(p: Portal, form: TrainingSession) -> None:
    errors = {}
    if form.module not in p.modules:
        errors["module"] = f"没有这个培训课程：{form.module}（可选：{'、'.join(p.modules)}）"
    if form.ends_at <= form.starts_at:
        errors["ends_at"] = "结束时间应晚于开始时间"
    if form.code is not None and not form.code.isdigit():
        errors["code"] = "签到码应为 4 到 8 位数字"
    if errors:
        raise ApiError(422, message="；".join(errors.values()), fields=errors)


def create(p: Portal, form: TrainingSession, admin: str = "api") -> dict[str, Any]:
    _check(p, form)
    db = p.db
    table = db.table("trainings")
    with db.transaction():
        now = clock.now()
        active = {s["code"] for s in table.all() if clock.parse_iso(s["ends_at"]) >= now}
        if form.code is not None and form.code in active:
            raise ApiError(409, "code_in_use", "这个签到码正被另一场未结束的培训使用，请换一个或留空自动生成。")
        record = {"id": new_id(), "module": form.module, "title": form.title,
                  "starts_at": clock.iso(form.starts_at), "ends_at": clock.iso(form.ends_at),
                  "location": form.location, "capacity": form.capacity,
                  "code": form.code or _new_code(active), "created_at": clock.iso(now)}
        table.insert(record)
        audit.record(db, admin, "training.create", f"trainings/{record['id']}")
        return {**public_session(db, record), "code": record["code"]}


def update(p: Portal, session_id: str, form: TrainingSession, admin: str) -> dict[str, Any]:
    """Edit a session; without a `code` it keeps its own."""
    _check(p, form)
    db = p.db
    table = db.table("trainings")
    with db.transaction():
        current = table.get_id(session_id)
        if current is None:
            raise ApiError(404, message="找不到这场培训。")
        now = clock.now()
        active = {s["code"] for s in table.all()
                  if s["id"] != session_id and clock.parse_iso(s["ends_at"]) >= now}
        if form.code is not None and form.code in active:
            raise ApiError(409, "code_in_use", "这个签到码正被另一场未结束的培训使用，请换一个或留空保持不变。")
        if form.capacity < len(db.table("attendance").find(session_id=session_id)):
            raise ApiError(422, message="名额不能少于已签到人数。",
                           fields={"capacity": "名额不能少于已签到人数"})
        record = table.update_id(session_id, {
            "module": form.module, "title": form.title, "starts_at": clock.iso(form.starts_at),
            "ends_at": clock.iso(form.ends_at), "location": form.location,
            "capacity": form.capacity, "code": form.code or current["code"],
            "updated_at": clock.iso(now)})
        assert record is not None
        audit.record(db, admin, "training.update", f"trainings/{session_id}")
        return {**public_session(db, record), "code": record["code"]}


async def create_training(request: Request) -> JSONResponse:
    admin = require_admin(request)
    p = portal(request)
    submission = await read_submission(request, TrainingSession)
    form = validate(TrainingSession, submission.data, json=submission.json)
    return JSONResponse(await blocking(create, p, form, admin), status_code=201)


async def update_training(request: Request) -> JSONResponse:
    admin = require_admin(request)
    p = portal(request)
    submission = await read_submission(request, TrainingSession)
    form = validate(TrainingSession, submission.data, json=submission.json)
    return JSONResponse(await blocking(update, p, request.path_params["id"], form, admin))


async def list_trainings(request: Request) -> JSONResponse:
    require_admin(request)
    p = portal(request)

    def load() -> list[dict[str, Any]]:
        found = sorted(p.db.table("trainings").all(), key=lambda s: s["starts_at"])
        return [{**public_session(p.db, s), "code": s["code"]} for s in found]

    return JSONResponse(page_of(request, await blocking(load)))


async def attendance(request: Request) -> JSONResponse:
    require_admin(request)
    p = portal(request)
    session_id = request.path_params["id"]

    def load() -> list[dict[str, Any]] | None:
        if p.db.table("trainings").get_id(session_id) is None:
            return None
        found = p.db.table("attendance").find(session_id=session_id)
        return sorted(found, key=lambda r: (r["checked_in_at"], r["id"]))

    items = await blocking(load)
    if items is None:
        raise ApiError(404, message="找不到这场培训。")
    return JSONResponse(page_of(request, items))
