"""How the bureau reviews a volunteer application (statuses: `forms_api.volunteers.records`)."""

from __future__ import annotations

from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.admin.lists import by_status
from forms_api.errors import ApiError, found
from forms_api.volunteers import notices
from forms_api.volunteers.forms import Review
from forms_api.volunteers.records import MOVES, VOLUNTEERS
from forms_api.web.context import Portal

NOT_FOUND = "找不到这位志愿者。"


def volunteers(p: Portal, status: str | None) -> list[dict[str, Any]]:
    return by_status(p.db.table(VOLUNTEERS), status)


def review(p: Portal, volunteer_id: str, form: Review, admin: str) -> dict[str, Any]:
    now = clock.iso(clock.now())
    changes: dict[str, Any] = {"status": form.status, "updated_at": now, "reviewed_by": admin}
    if form.note is not None:
        changes["note"] = form.note
    if form.status == "needs_info":
        if not form.note:
            raise ApiError(422, message="请写明需要对方补充的内容。",
                           fields={"note": "请写明需要对方补充的内容"})
        changes["info_requested"] = {"note": form.note, "at": now, "by": admin}
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
        notices.reviewed(db, updated, current["status"])
    return updated


def request_info(p: Portal, volunteer_id: str, note: str, admin: str) -> dict[str, Any]:
    """Ask a pending applicant for more material: the status becomes `needs_info`."""
    return review(p, volunteer_id, Review(status="needs_info", note=note), admin)
