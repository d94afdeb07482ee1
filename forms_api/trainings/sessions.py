"""How the bureau creates, edits, moves and cancels training sessions (records: `records`)."""

from __future__ import annotations

import secrets
from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.errors import ApiError
from forms_api.storage import new_id
from forms_api.trainings import codes, registration
from forms_api.trainings.forms import TrainingSession
from forms_api.trainings.records import SESSIONS, admin_session, cancelled, checked_in, registered
from forms_api.web.context import Portal

#: The rules a PATCH may leave out (then kept), with the value of a session that never set them.
RULES: dict[str, Any] = {"registration": None, "code_rotation_seconds": 0, "sign_out": False,
                         "min_attendance": 0.0}
MIN_ROTATION = 10


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
    if form.code_rotation_seconds and form.code_rotation_seconds < MIN_ROTATION:
        errors["code_rotation_seconds"] = f"签到码更换间隔应为 0（固定）或至少 {MIN_ROTATION} 秒"
    rule = form.registration
    if rule is not None:
        if rule.capacity > form.capacity:
            errors["registration"] = "报名名额不能多于场地名额"
        elif rule.deadline > form.starts_at:
            errors["registration"] = "报名截止时间应早于开始时间"
    if errors:
        raise ApiError(422, message="；".join(errors.values()), fields=errors)


def _rules(form: TrainingSession, current: dict[str, Any] | None) -> dict[str, Any]:
    """The new rules: those the form sets, the current (or default) ones for the others."""
    out: dict[str, Any] = {}
    for key, default in RULES.items():
        if key in form.model_fields_set:
            value = getattr(form, key)
            if key == "registration" and value is not None:
                value = {**value.model_dump(), "deadline": clock.iso(value.deadline)}
            out[key] = default if value is None else value
        else:
            out[key] = current.get(key, default) if current is not None else default
    return out


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
                  "code": form.code or _new_code(active), "code_secret": codes.new_secret(),
                  **_rules(form, None), "status": "scheduled", "created_at": clock.iso(now)}
        table.insert(record)
        audit.record(db, admin, "training.create", f"trainings/{record['id']}")
        return admin_session(db, record)


def update(p: Portal, session_id: str, form: TrainingSession, admin: str) -> dict[str, Any]:
    """Edit a session; without a `code` it keeps its own, without a rule it keeps that too.

    A change of time or place is sent to the registered and waitlisted teachers.
    """
    db = p.db
    table = db.table(SESSIONS)
    with db.transaction():
        current = table.get_id(session_id)
        if current is None:
            raise ApiError(404, message="找不到这场培训。")
        _check(p, form)
        now = clock.now()
        active = {s["code"] for s in table.all()
                  if s["id"] != session_id and clock.parse_iso(s["ends_at"]) >= now}
        if form.code is not None and form.code in active:
            raise ApiError(409, "code_in_use", "这个签到码正被另一场未结束的培训使用，请换一个或留空保持不变。")
        if form.capacity < checked_in(db, session_id):
            raise ApiError(422, message="名额不能少于已签到人数。",
                           fields={"capacity": "名额不能少于已签到人数"})
        rules = _rules(form, current)
        if rules["registration"] and rules["registration"]["capacity"] < registered(db, session_id):
            raise ApiError(422, message="报名名额不能少于已报名人数。",
                           fields={"registration": "报名名额不能少于已报名人数"})
        changes = {
            "module": form.module, "title": form.title, "starts_at": clock.iso(form.starts_at),
            "ends_at": clock.iso(form.ends_at), "location": form.location,
            "capacity": form.capacity, "code": form.code or current["code"], **rules,
            "updated_at": clock.iso(now)}
        if not current.get("code_secret"):  # a session made before rotating codes existed
            changes["code_secret"] = codes.new_secret()
        record = table.update_id(session_id, changes)
        assert record is not None
        moved = [k for k in ("starts_at", "ends_at", "location") if current[k] != record[k]]
        audit.record(db, admin, "training.update", f"trainings/{session_id}",
                     moved=len(moved) > 0)
        if moved and not cancelled(record):
            registration.notify_all(db, record, "session.changed", "培训时间地点变更",
                                    "您报名的培训时间或地点有变更，请按新的安排参加。")
        registration.promote(db, record)  # more seats may have been opened
        return admin_session(db, record)


def cancel(p: Portal, session_id: str, admin: str) -> dict[str, Any]:
    """Cancel a session: check-ins and registrations stop; registered teachers are told."""
    db = p.db
    table = db.table(SESSIONS)
    with db.transaction():
        current = table.get_id(session_id)
        if current is None:
            raise ApiError(404, message="找不到这场培训。")
        if cancelled(current):
            return admin_session(db, current)
        record = table.update_id(session_id, {"status": "cancelled",
                                               "cancelled_at": clock.iso(clock.now())})
        assert record is not None
        told = registration.notify_all(db, record, "session.cancelled", "培训取消",
                                       "很抱歉，您报名的培训已取消，无需前往。")
        audit.record(db, admin, "training.cancel", f"trainings/{session_id}", notified=told)
        return admin_session(db, record)
