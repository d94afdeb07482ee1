"""What happens when a school books a visit, and when it cancels one."""

from __future__ import annotations

from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.bookings import history, notices, rules
from forms_api.bookings.forms import TIME_SLOTS, Booking, new_reference
from forms_api.bookings.records import (
    BOOKINGS,
    CANCELLABLE,
    PUBLIC_STATUSES,
    find_booking,
    public_booking,
)
from forms_api.errors import ApiError
from forms_api.notices.outbox import Recipient, enqueue, personal_link
from forms_api.schools.links import resolve
from forms_api.storage import new_id
from forms_api.volunteers.records import VOLUNTEERS
from forms_api.web.context import Portal
from forms_api.web.submit import Outcome, replayed

NOT_FOUND = "没有找到这个预约：请核对预约编号和联系电话。"


def thanks(reference: str) -> str:
    return f"/thanks/booking/?ref={reference}"


def request_visit(p: Portal, form: Booking, key: str | None) -> Outcome:
    db = p.db
    table = db.table(BOOKINGS)
    with db.transaction():
        if (prior := replayed(table, key, form.phone)) is not None:
            body = {"id": prior["id"], "reference": prior["reference"], "status": prior["status"]}
            return 201, body, thanks(prior["reference"])
        if form.expert_id is not None:
            expert = db.table(VOLUNTEERS).get_id(form.expert_id)
            if expert is None or expert["status"] != "approved":
                raise ApiError(404, message="所选专家不存在或尚未通过审核，请重新选择或不指定。",
                               fields={"expert_id": "所选专家不存在或尚未通过审核"})
        school, school_id = resolve(db, form.school_id, form.school, form.district)
        form = form.model_copy(update={"school": school, "school_id": school_id})
        rules.check_request(db, form.school, form.preferred_dates, school_id)  # the bureau's rules
        reference = new_reference()
        while table.find(reference=reference):
            reference = new_reference()
        now = clock.iso(clock.now())
        record = {"id": new_id(), "reference": reference, "status": "requested",
                  **form.model_dump(mode="json"), "notice_version": p.notice_version,
                  "date": None, "note": None, "created_at": now, "updated_at": now,
                  "submission": key,
                  "history": [{"at": now, "event": "requested", "by": "school"}]}
        table.insert(record)
        notices.received(db, record)
    return 201, {"id": record["id"], "reference": reference, "status": "requested"}, thanks(reference)


def pretend(form: Booking) -> Outcome:
    """The answer a bot gets: shaped like a success, stored nowhere."""
    reference = new_reference()
    return 201, {"id": new_id(), "reference": reference, "status": "requested"}, thanks(reference)


def cancel(p: Portal, reference: str, phone: str, reason: str | None = None) -> dict[str, Any]:
    """The school cancels; a confirmed visit's cancellation is audited and told."""
    db = p.db
    with db.transaction():
        booking = find_booking(db, reference, phone)
        if booking is None:
            raise ApiError(404, message=NOT_FOUND)
        if booking["status"] != "cancelled":
            if booking["status"] not in CANCELLABLE:
                shown = PUBLIC_STATUSES.get(booking["status"], booking["status"])
                raise ApiError(409, "invalid_transition", f"这个预约当前状态不能取消（{shown}）。")
            before = booking
            booking = db.table(BOOKINGS).update_id(booking["id"], {
                "status": "cancelled", "updated_at": clock.iso(clock.now()),
                "cancel_reason": reason, "history": history.entry(
                    booking, "cancelled", "school", reason=reason)}) or booking
            audit.record(db, "school", "booking.cancel", f"{BOOKINGS}/{booking['id']}",
                         **{"from": before["status"], "reason_given": bool(reason)})
            if before["status"] == "confirmed":
                cancelled_notices(p, before, reason)
            notices.cancelled(db, before, booking, by_bureau=False)
        return public_booking(db, booking)


def cancelled_notices(p: Portal, booking: dict[str, Any], reason: str | None) -> None:
    """A school cancelled a confirmed visit: the bureau and the expert hear (same transaction)."""
    db = p.db
    when = f"{booking.get('date')} {TIME_SLOTS.get(booking.get('time_slot') or '', '')}"
    why = f"原因：{reason}。" if reason else "学校未说明原因。"
    if p.settings.bureau_email:
        enqueue(db, "booking.cancelled",
                Recipient("bureau", p.settings.bureau_name, None, p.settings.bureau_email),
                f"学校取消了已确认的进校活动（{booking['reference']}）",
                f"{booking['school']}取消了 {when} 的进校活动（{booking['reference']}）。{why}",
                f"/admin/bookings/{booking['id']}/")
    expert = db.table(VOLUNTEERS).get_id(booking.get("expert_id") or "")
    if expert is not None:
        enqueue(db, "booking.cancelled",
                Recipient("volunteer", expert["name"], expert.get("phone"), expert.get("email")),
                "进校活动已取消",
                f"{expert['name']}老师：{booking['school']}取消了 {when} 的进校活动。{why}"
                "感谢您的支持。", personal_link("volunteer", expert["id"]))
