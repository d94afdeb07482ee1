"""Staff corrections of check-ins, each audited: 补录 from the paper sheet, removal, 学时认定.

The audit entry holds the reason's code only (the log keeps no free text); the note staff
write goes on the record itself, where the privacy rules for check-ins apply.
"""

from __future__ import annotations

from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.errors import ApiError
from forms_api.schools.links import resolve
from forms_api.storage import new_id
from forms_api.trainings.forms import CorrectEntry, PaperEntry, RemoveEntry
from forms_api.trainings.records import ATTENDANCE, SESSIONS
from forms_api.web.context import Portal

NO_RECORD = "找不到这条签到记录。"


def _session(p: Portal, session_id: str) -> dict[str, Any]:
    session = p.db.table(SESSIONS).get_id(session_id)
    if session is None:
        raise ApiError(404, message="找不到这场培训。")
    return session


def _record(p: Portal, session_id: str, record_id: str) -> dict[str, Any]:
    record = p.db.table(ATTENDANCE).get_id(record_id)
    if record is None or record["session_id"] != session_id:
        raise ApiError(404, message=NO_RECORD)
    return record


def paper_entry(p: Portal, session_id: str, form: PaperEntry, admin: str) -> dict[str, Any]:
    """补录: a row of the paper sheet, as the teacher signed it."""
    db = p.db
    with db.transaction():
        session = _session(p, session_id)
        if db.table(ATTENDANCE).find(session_id=session_id, phone=form.phone):
            raise ApiError(409, "already_checked_in", "这个手机号在本场培训已有签到记录。",
                           fields={"phone": "这个手机号在本场培训已有签到记录"})
        arrived = form.arrived_at or clock.parse_iso(session["starts_at"])
        if form.left_at is not None and form.left_at < arrived:
            raise ApiError(422, message="签退时间应晚于签到时间。",
                           fields={"left_at": "签退时间应晚于签到时间"})
        record = {"id": new_id(), "session_id": session_id, "name": form.name,
                  "school": form.school,
                  "school_id": resolve(db, None, form.school)[1], "phone": form.phone,
                  "consent": False,
                  "notice_version": p.notice_version, "checked_in_at": clock.iso(arrived),
                  "signed_out_at": clock.iso(form.left_at) if form.left_at else None,
                  "submission": None, "source": "paper", "entered_by": admin,
                  "entered_at": clock.iso(clock.now())}
        db.table(ATTENDANCE).insert(record)
        audit.record(db, admin, "training.paper_entry", f"attendance/{record['id']}",
                     session=session_id)
        return record


def remove(p: Portal, session_id: str, record_id: str, form: RemoveEntry,
           admin: str) -> None:
    """Remove a wrong entry; the audit log keeps who, when and why (the reason's code)."""
    db = p.db
    with db.transaction():
        record = _record(p, session_id, record_id)
        db.table(ATTENDANCE).remove_id(record["id"])
        audit.record(db, admin, "training.attendance_remove", f"attendance/{record_id}",
                     session=session_id, reason=form.reason, source=record.get("source", "phone"))


def correct(p: Portal, session_id: str, record_id: str, form: CorrectEntry,
            admin: str) -> dict[str, Any]:
    """Decide by hand whether a check-in earns hours (or hand it back to the rules)."""
    db = p.db
    with db.transaction():
        _record(p, session_id, record_id)
        correction = None if form.counted is None else {
            "counted": form.counted, "reason": form.reason, "note": form.note,
            "by": admin, "at": clock.iso(clock.now())}
        record = db.table(ATTENDANCE).update_id(record_id, {"correction": correction})
        assert record is not None
        audit.record(db, admin, "training.attendance_correct", f"attendance/{record_id}",
                     session=session_id, reason=form.reason,
                     counted="auto" if form.counted is None else form.counted)
        return record
