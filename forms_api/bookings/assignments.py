"""Offering a visit to an expert, who accepts (the visit is confirmed) or declines with a reason.

A booking waiting to be arranged (`requested`) may carry one open offer: `offer` = {expert_id,
date, time_slot, status (`offered` | `accepted` | `declined` | `withdrawn`), offered_at,
offered_by, answered_at?, reason?}; past offers are kept in `offers`. An open offer holds the
expert's slot like a confirmed visit does, so two staff offering the same expert the same date
and slot get one offer and one `409 expert_busy` (the check and the write share a transaction,
and transactions are serialised). Accepting confirms the visit through `handling.change`, so
every rule of confirming (busy, the monthly limit, blackout dates, a past date) holds; staff can
still confirm directly, which leaves a stale offer that can no longer be accepted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.bookings import handling, rules
from forms_api.bookings.forms import TIME_SLOTS, BookingChange
from forms_api.bookings.records import BOOKINGS
from forms_api.errors import ApiError, found
from forms_api.notices.outbox import Recipient, enqueue, personal_link
from forms_api.storage import Database
from forms_api.volunteers.forms import EXPERTISE
from forms_api.volunteers.records import VOLUNTEERS
from forms_api.web.context import Portal

NOT_OFFERED = "这个邀请已经失效（已被处理或撤回）。"


def open_offer(booking: dict[str, Any]) -> dict[str, Any] | None:
    """The booking's offer an expert may still answer."""
    offer = booking.get("offer")
    if booking.get("status") == "requested" and offer and offer.get("status") == "offered":
        return dict(offer)
    return None


def holding(db: Database, expert_id: str, day: str, slot: str, but: str) -> dict[str, Any] | None:
    """Another booking that holds the expert on that date and slot (confirmed or offered)."""
    for other in db.table(BOOKINGS).find(expert_id=expert_id, status="confirmed", date=day):
        if other["id"] != but and other.get("time_slot") == slot:
            return other
    for other in db.table(BOOKINGS).find(status="requested"):
        offer = open_offer(other)
        if (other["id"] != but and offer and offer["expert_id"] == expert_id
                and offer["date"] == day and offer["time_slot"] == slot):
            return other
    return None


def offer(p: Portal, booking_id: str, expert_id: str, day: dt.date, slot: str,
          admin: str) -> dict[str, Any]:
    """Offer a waiting visit to an approved expert; the expert hears of it."""
    if slot not in TIME_SLOTS:
        raise ApiError(422, message="请选择时段。", fields={"time_slot": "请选择上午或下午"})
    if day < clock.today():
        raise ApiError(422, message=f"{day.isoformat()} 已经过去。",
                       fields={"date": "请选择今天或以后的日期"})
    db = p.db
    with db.transaction():
        booking = found(db.table(BOOKINGS).get_id(booking_id), handling.NOT_FOUND)
        if booking["status"] != "requested":
            raise ApiError(409, "invalid_transition", "只有待安排的预约可以邀请专家。")
        expert = db.table(VOLUNTEERS).get_id(expert_id)
        if expert is None or expert["status"] != "approved":
            raise ApiError(422, message="所选专家不存在或尚未通过审核。",
                           fields={"expert_id": "不是已通过审核的专家"})
        rules.check_confirmation(db, booking_id, day, expert_id)
        if (other := holding(db, expert_id, day.isoformat(), slot, booking_id)) is not None:
            raise ApiError(409, "expert_busy",
                           f"这位专家在 {day.isoformat()} {TIME_SLOTS[slot]}已有安排或待答复的邀请"
                           f"（{other['reference']}）。")
        now = clock.iso(clock.now())
        new = {"expert_id": expert_id, "date": day.isoformat(), "time_slot": slot,
               "status": "offered", "offered_at": now, "offered_by": admin}
        earlier = [*booking.get("offers", []), *([_closed(booking["offer"], "withdrawn")]
                                                 if open_offer(booking) else [])]
        updated = found(db.table(BOOKINGS).update_id(booking_id, {
            "offer": new, "offers": earlier, "updated_at": now}), handling.NOT_FOUND)
        audit.record(db, admin, "booking.offer", f"{BOOKINGS}/{booking_id}")
        enqueue(db, "assignment.offered",
                Recipient("volunteer", expert["name"], expert.get("phone"), expert.get("email")),
                "邀请您承担一次进校活动",
                f"{expert['name']}老师：教育局邀请您于 {day.isoformat()} {TIME_SLOTS[slot]}到"
                f"{booking['school']}开展“{EXPERTISE.get(booking['topic'], booking['topic'])}”"
                "活动。请打开您的专属页面接受或婉拒。",
                personal_link("volunteer", expert_id))
        return updated


def _closed(current: dict[str, Any], status: str, reason: str | None = None) -> dict[str, Any]:
    return {**current, "status": status, "answered_at": clock.iso(clock.now()),
            **({"reason": reason} if reason else {})}


def accept(p: Portal, booking_id: str, expert_id: str) -> dict[str, Any]:
    """The expert accepts: the visit is confirmed with them (every confirming rule applies)."""
    db = p.db
    with db.transaction():
        booking = found(db.table(BOOKINGS).get_id(booking_id), handling.NOT_FOUND)
        current = open_offer(booking)
        if current is None or current["expert_id"] != expert_id:
            raise ApiError(409, "invalid_transition", NOT_OFFERED)
        form = BookingChange(status="confirmed", date=dt.date.fromisoformat(current["date"]),
                             time_slot=current["time_slot"], expert_id=expert_id)
        handling.change(p, booking_id, form, f"expert:{expert_id}")
        updated = db.table(BOOKINGS).update_id(booking_id, {"offer": _closed(current,
                                                                             "accepted")})
        return found(updated, handling.NOT_FOUND)


def decline(p: Portal, booking_id: str, expert_id: str, reason: str) -> dict[str, Any]:
    """The expert declines with a reason; the bureau's mailbox hears, the visit waits."""
    db = p.db
    with db.transaction():
        booking = found(db.table(BOOKINGS).get_id(booking_id), handling.NOT_FOUND)
        current = open_offer(booking)
        if current is None or current["expert_id"] != expert_id:
            raise ApiError(409, "invalid_transition", NOT_OFFERED)
        updated = found(db.table(BOOKINGS).update_id(booking_id, {
            "offer": None, "offers": [*booking.get("offers", []),
                                      _closed(current, "declined", reason)],
            "updated_at": clock.iso(clock.now())}), handling.NOT_FOUND)
        expert = db.table(VOLUNTEERS).get_id(expert_id) or {}
        audit.record(db, f"expert:{expert_id}", "booking.offer_declined", f"{BOOKINGS}/{booking_id}")
        if p.settings.bureau_email:
            enqueue(db, "assignment.declined",
                    Recipient("bureau", p.settings.bureau_name, None, p.settings.bureau_email),
                    f"专家婉拒了进校邀请（{booking['reference']}）",
                    f"{expert.get('name', '专家')}婉拒了 {current['date']} "
                    f"{TIME_SLOTS.get(current['time_slot'], '')}到{booking['school']}的进校活动"
                    f"（{booking['reference']}）。原因：{reason}。请另行安排。",
                    f"/admin/bookings/{booking_id}/")
        return updated


def offers_for(db: Database, expert_id: str) -> list[dict[str, Any]]:
    """The visits offered to this expert that wait for an answer, soonest first."""
    waiting = [b for b in db.table(BOOKINGS).find(status="requested")
               if (o := open_offer(b)) and o["expert_id"] == expert_id]
    return sorted(waiting, key=lambda b: (b["offer"]["date"], b["id"]))
