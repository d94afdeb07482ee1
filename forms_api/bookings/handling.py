"""How the bureau handles a booking: confirm (with an expert), reschedule, complete, decline.

`409 expert_busy` when the expert already has a confirmed visit then. Declining needs a
`reason`, which the school sees in its status lookup; `note` stays internal. The bureau's
limits and blackout dates (`forms_api.bookings.rules`) are checked on confirming, and a visit
cannot be confirmed for a day that has passed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.admin.lists import by_status
from forms_api.bookings import feedback, history, notices, rules
from forms_api.bookings.forms import TIME_SLOTS, BookingChange
from forms_api.bookings.records import BOOKINGS, MOVES, STATUSES
from forms_api.errors import ApiError, found
from forms_api.storage import Database
from forms_api.volunteers.records import VOLUNTEERS
from forms_api.web.context import Portal

NOT_FOUND = "找不到这个预约。"


def bookings(p: Portal, status: str | None) -> list[dict[str, Any]]:
    return by_status(p.db.table(BOOKINGS), status)


def change(p: Portal, booking_id: str, form: BookingChange, admin: str) -> dict[str, Any]:
    db = p.db
    table = db.table(BOOKINGS)
    with db.transaction():
        booking = found(table.get_id(booking_id), NOT_FOUND)
        if form.status not in MOVES[booking["status"]]:
            raise ApiError(409, "invalid_transition",
                           f"预约不能从“{STATUSES[booking['status']]}”改为“{STATUSES[form.status]}”。")
        changes: dict[str, Any] = {"status": form.status, "updated_at": clock.iso(clock.now()),
                                   "handled_by": admin}
        if form.note is not None:
            changes["note"] = form.note
        if form.status == "declined":
            if form.reason is None:
                raise ApiError(422, message="不能安排时，请填写学校可见的说明。",
                               fields={"reason": "请填写说明，学校查询预约时会看到"})
            changes["reason"] = form.reason
        if form.status == "confirmed":
            changes.update(_confirmation(p, booking, form))
        changes["history"] = history.entry(
            booking, history.move_event(booking, form.status, changes),
            "expert" if admin.startswith("expert:") else "bureau", reason=changes.get("reason"),
            date=changes.get("date"), time_slot=changes.get("time_slot"))
        updated = found(table.update_id(booking_id, changes), NOT_FOUND)
        if form.status == "completed":
            feedback.on_completed(db, p.secret, updated)
        audit.record(db, admin, "booking.change", f"{BOOKINGS}/{booking_id}",
                     **{"from": booking["status"], "to": form.status})
        _tell(db, booking, updated)
        return updated


def _tell(db: Database, before: dict[str, Any], booking: dict[str, Any]) -> None:
    """The notices of a move, in its transaction (a completed visit's feedback is separate)."""
    if booking["status"] == "confirmed":
        notices.confirmed(db, before, booking)
    elif booking["status"] == "declined":
        notices.declined(db, before, booking)
    elif booking["status"] == "cancelled":
        notices.cancelled(db, before, booking, by_bureau=True)


def _confirmation(p: Portal, booking: dict[str, Any], form: BookingChange) -> dict[str, Any]:
    missing = {name: "确认预约时必须填写" for name in ("date", "time_slot", "expert_id")
               if getattr(form, name) is None}
    if missing:
        raise ApiError(422, message="确认预约需要日期、时段和专家。", fields=missing)
    assert form.date is not None and form.expert_id is not None
    day: dt.date = form.date
    if day < clock.today():
        raise ApiError(422, message=f"{day.isoformat()} 已经过去，不能确认为进校日期。",
                       fields={"date": "请选择今天或以后的日期"})
    expert = p.db.table(VOLUNTEERS).get_id(form.expert_id)
    if expert is None or expert["status"] != "approved":
        raise ApiError(422, message="所选专家不存在或尚未通过审核。",
                       fields={"expert_id": "不是已通过审核的专家"})
    rules.check_confirmation(p.db, booking["id"], day, form.expert_id)
    for other in p.db.table(BOOKINGS).find(expert_id=form.expert_id, status="confirmed",
                                           date=day.isoformat()):
        if other["id"] != booking["id"] and other["time_slot"] == form.time_slot:
            raise ApiError(409, "expert_busy",
                           f"这位专家在 {day.isoformat()} {TIME_SLOTS[form.time_slot or '']}"
                           f"已有确认的进校活动（{other['reference']}）。")
    # A new date is reminded of anew (`forms_api.bookings.reminders`).
    return {"date": day.isoformat(), "time_slot": form.time_slot, "expert_id": form.expert_id,
            "reminded_at": None}
