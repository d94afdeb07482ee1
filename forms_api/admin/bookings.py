"""Admin: list bookings and move them through their statuses (record: `forms_api.forms.bookings`).

Moves: requested → confirmed (needs date, time_slot, expert_id; confirmed → confirmed
reschedules) → completed; requested|confirmed → declined (the bureau) or cancelled (on the
school's behalf). `409 expert_busy` when the expert already has a confirmed visit then.
Declining needs a `reason`, which the school sees in its status lookup; `note` stays internal.
The bureau's limits and blackout dates (`forms_api.admin.limits`) are checked on confirming.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse

from forms_api import clock
from forms_api.admin import audit, limits
from forms_api.admin.auth import require_admin
from forms_api.admin.lists import by_status, page_of, status_filter
from forms_api.context import Portal, blocking, portal
from forms_api.errors import ApiError
from forms_api.forms._fields import DateText, PortalForm, field
from forms_api.forms.bookings import STATUSES, TIME_SLOTS, TimeSlotCode
from forms_api.forms.validation import validate
from forms_api.intake import read_submission

MOVES: dict[str, tuple[str, ...]] = {
    "requested": ("confirmed", "declined", "cancelled"),
    "confirmed": ("confirmed", "completed", "declined", "cancelled"),
    "completed": (),
    "cancelled": (),
    "declined": (),
}


class BookingChange(PortalForm):
    """处理预约"""

    status: Literal["confirmed", "completed", "declined", "cancelled"] = field(
        "状态", widget="select", choices={k: v for k, v in STATUSES.items() if k != "requested"})
    date: DateText | None = field("日期", None)
    time_slot: TimeSlotCode | None = field("时段", None, widget="radio", choices=TIME_SLOTS)
    expert_id: str | None = field("专家", None, max_length=40)
    note: str | None = field("备注", None, max_length=500)
    reason: str | None = field("说明（学校查询时可见）", None, max_length=200)


def bookings(p: Portal, status: str | None) -> list[dict[str, Any]]:
    return by_status(p.db.table("bookings"), status)


def change(p: Portal, booking_id: str, form: BookingChange, admin: str) -> dict[str, Any]:
    db = p.db
    table = db.table("bookings")
    with db.transaction():
        booking = table.get_id(booking_id)
        if booking is None:
            raise ApiError(404, message="找不到这个预约。")
        if form.status not in MOVES[booking["status"]]:
            raise ApiError(409, "invalid_transition",
                           f"预约不能从 {booking['status']} 改为 {form.status}。")
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
        updated = table.update_id(booking_id, changes)
        assert updated is not None
        audit.record(db, admin, "booking.change", f"bookings/{booking_id}",
                     **{"from": booking["status"], "to": form.status})
        return updated


def _confirmation(p: Portal, booking: dict[str, Any], form: BookingChange) -> dict[str, Any]:
    missing = {name: "确认预约时必须填写" for name in ("date", "time_slot", "expert_id")
               if getattr(form, name) is None}
    if missing:
        raise ApiError(422, message="确认预约需要日期、时段和专家。", fields=missing)
    assert form.date is not None and form.expert_id is not None
    expert = p.db.table("volunteers").get_id(form.expert_id)
    if expert is None or expert["status"] != "approved":
        raise ApiError(422, message="所选专家不存在或尚未通过审核。",
                       fields={"expert_id": "不是已通过审核的专家"})
    day: dt.date = form.date
    limits.check_confirmation(p.db, booking["id"], day, form.expert_id)
    for other in p.db.table("bookings").find(expert_id=form.expert_id, status="confirmed",
                                             date=day.isoformat()):
        if other["id"] != booking["id"] and other["time_slot"] == form.time_slot:
            raise ApiError(409, "expert_busy",
                           f"这位专家在 {day.isoformat()} {TIME_SLOTS[form.time_slot or '']}"
                           f"已有确认的进校活动（{other['reference']}）。")
    return {"date": day.isoformat(), "time_slot": form.time_slot, "expert_id": form.expert_id}


async def list_bookings(request: Request) -> JSONResponse:
    require_admin(request)
    status = status_filter(request, tuple(STATUSES))
    return JSONResponse(page_of(request, await blocking(bookings, portal(request), status)))


async def patch_booking(request: Request) -> JSONResponse:
    admin = require_admin(request)
    submission = await read_submission(request, BookingChange)
    form = validate(BookingChange, submission.data, json=submission.json)
    return JSONResponse(await blocking(change, portal(request), request.path_params["id"], form,
                                       admin))
