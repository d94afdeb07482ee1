"""How the bureau reviews a volunteer application (statuses: `forms_api.volunteers.records`)."""

from __future__ import annotations

from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.admin.lists import by_status
from forms_api.errors import ApiError, found
from forms_api.forms.fields import has_control
from forms_api.volunteers.forms import Review
from forms_api.volunteers.records import MOVES, VOLUNTEERS
from forms_api.web.context import Portal

NOT_FOUND = "找不到这位志愿者。"


def volunteers(p: Portal, status: str | None) -> list[dict[str, Any]]:
    return by_status(p.db.table(VOLUNTEERS), status)


def review(p: Portal, volunteer_id: str, form: Review, admin: str) -> dict[str, Any]:
    changes: dict[str, Any] = {"status": form.status, "updated_at": clock.iso(clock.now()),
                               "reviewed_by": admin}
    if form.note is not None:
        changes["note"] = form.note
    db = p.db
    with db.transaction():
        current = found(db.table(VOLUNTEERS).get_id(volunteer_id), NOT_FOUND)
        if form.status not in MOVES.get(current["status"], ()):
            raise ApiError(409, "invalid_transition",
                           f"志愿者不能从 {current['status']} 改为 {form.status}。")
        updated = db.table(VOLUNTEERS).update_id(volunteer_id, changes)
        assert updated is not None
        audit.record(db, admin, "volunteer.review", f"volunteers/{volunteer_id}",
                     **{"from": current["status"], "to": form.status})
    return updated


def request_info(p: Portal, volunteer_id: str, note: str, admin: str) -> dict[str, Any]:
    """Keep a pending application pending and note what the bureau asked for."""
    if has_control(note):
        raise ApiError(422, message="需要补充的内容含有看不见的控制字符，请删掉后重新输入。",
                       fields={"note": "含有看不见的控制字符，请删掉后重新输入"})
    db = p.db
    with db.transaction():
        current = found(db.table(VOLUNTEERS).get_id(volunteer_id), NOT_FOUND)
        if current["status"] != "pending":
            raise ApiError(409, "invalid_transition", "只有待审核的报名可以请对方补充材料。")
        now = clock.iso(clock.now())
        updated = db.table(VOLUNTEERS).update_id(volunteer_id, {
            "info_requested": {"note": note, "at": now, "by": admin}, "note": note,
            "updated_at": now})
        assert updated is not None
        audit.record(db, admin, "volunteer.request_info", f"volunteers/{volunteer_id}")
    return updated
