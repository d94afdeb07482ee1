"""How the bureau creates and edits training sessions (record: `forms_api.trainings.records`)."""

from __future__ import annotations

import secrets
from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.errors import ApiError
from forms_api.storage import new_id
from forms_api.trainings.forms import TrainingSession
from forms_api.trainings.records import SESSIONS, checked_in, public_session
from forms_api.web.context import Portal


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
    if errors:
        raise ApiError(422, message="；".join(errors.values()), fields=errors)


def create(p: Portal, form: TrainingSession, admin: str = "api") -> dict[str, Any]:
    _check(p, form)
    db = p.db
    table = db.table(SESSIONS)
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
    table = db.table(SESSIONS)
    with db.transaction():
        current = table.get_id(session_id)
        if current is None:
            raise ApiError(404, message="找不到这场培训。")
        now = clock.now()
        active = {s["code"] for s in table.all()
                  if s["id"] != session_id and clock.parse_iso(s["ends_at"]) >= now}
        if form.code is not None and form.code in active:
            raise ApiError(409, "code_in_use", "这个签到码正被另一场未结束的培训使用，请换一个或留空保持不变。")
        if form.capacity < checked_in(db, session_id):
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
