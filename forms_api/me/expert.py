"""What an expert volunteer does on their own page: resubmit, update the profile, withdraw,
answer an offer, report a visit. Each change is audited with the actor `volunteer:<id>`.

The application keeps a `history` list: {at, event (`needs_info` | `resubmitted` | `profile` |
`withdrawn`), note?, reply?, previous?} where `previous` holds the fields as they were before
a resubmission, so the reviewer sees what changed.
"""

from __future__ import annotations

from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.bookings import assignments, handling
from forms_api.bookings.forms import BookingChange
from forms_api.bookings.records import BOOKINGS, STAFFED
from forms_api.errors import ApiError, found
from forms_api.me.forms import Decline, Profile, Resubmission, VisitReport
from forms_api.schools.links import resolve
from forms_api.storage import Database
from forms_api.volunteers.forms import Volunteer, check_eligible
from forms_api.volunteers.records import VOLUNTEERS, WITHDRAWABLE
from forms_api.web.context import Portal

GONE = "找不到您的报名记录（可能已按您的要求删除）。"


def actor(volunteer_id: str) -> str:
    return f"volunteer:{volunteer_id}"


def asked_for_more(person: dict[str, Any]) -> str | None:
    """What the bureau asked for, while the application waits for it; else None."""
    asked = person.get("info_requested") or {}
    if person["status"] == "needs_info" or (person["status"] == "pending" and asked
                                            and not asked.get("answered_at")):
        return str(asked.get("note") or person.get("note") or "请补充材料")
    return None


def _load(db: Database, volunteer_id: str) -> dict[str, Any]:
    return found(db.table(VOLUNTEERS).get_id(volunteer_id), GONE)


def resubmit(p: Portal, volunteer_id: str, form: Resubmission) -> dict[str, Any]:
    """The application, amended, goes back to the queue (`pending`); its history is kept."""
    db = p.db
    with db.transaction():
        person = _load(db, volunteer_id)
        asked = asked_for_more(person)
        if asked is None:
            raise ApiError(409, "invalid_transition", "您的报名当前不需要补充材料。")
        changes = form.model_dump(mode="json", exclude={"reply"})
        merged = Volunteer.model_validate({k: person.get(k) for k in Volunteer.model_fields
                                           if person.get(k) is not None} | changes)
        check_eligible(merged)
        if changes.get("organization") != person.get("organization"):  # a new 工作单位
            changes["school_id"] = resolve(db, None, str(changes["organization"]))[1]
        now = clock.iso(clock.now())
        previous = {k: person.get(k) for k in changes if person.get(k) != changes[k]}
        history = [*person.get("history", []),
                   {"at": (person.get("info_requested") or {}).get("at") or now,
                    "event": "needs_info", "note": asked},
                   {"at": now, "event": "resubmitted", "reply": form.reply,
                    "previous": previous}]
        info = {**(person.get("info_requested") or {}), "answered_at": now}
        updated = db.table(VOLUNTEERS).update_id(volunteer_id, {
            **changes, "status": "pending", "history": history, "info_requested": info,
            "updated_at": now})
        audit.record(db, actor(volunteer_id), "volunteer.resubmit", f"{VOLUNTEERS}/{volunteer_id}",
                     changed=len(previous))
        return found(updated, GONE)


def update_profile(p: Portal, volunteer_id: str, form: Profile) -> dict[str, Any]:
    db = p.db
    with db.transaction():
        person = _load(db, volunteer_id)
        if person["status"] not in WITHDRAWABLE:
            raise ApiError(409, "invalid_transition", "您的报名已结束，不能再修改资料。")
        now = clock.iso(clock.now())
        changes = form.model_dump(mode="json")
        history = [*person.get("history", []), {"at": now, "event": "profile"}]
        updated = db.table(VOLUNTEERS).update_id(volunteer_id, {
            **changes, "history": history, "updated_at": now})
        audit.record(db, actor(volunteer_id), "volunteer.profile", f"{VOLUNTEERS}/{volunteer_id}")
        return found(updated, GONE)


def withdraw(p: Portal, volunteer_id: str) -> dict[str, Any]:
    """Leave the programme: no longer listed or offered; upcoming visits wait to be rearranged."""
    db = p.db
    with db.transaction():
        person = _load(db, volunteer_id)
        if person["status"] not in WITHDRAWABLE:
            raise ApiError(409, "invalid_transition", "您的报名已结束。")
        now = clock.iso(clock.now())
        history = [*person.get("history", []), {"at": now, "event": "withdrawn",
                                                "from": person["status"]}]
        updated = db.table(VOLUNTEERS).update_id(volunteer_id, {
            "status": "withdrawn", "public_profile": False, "history": history,
            "updated_at": now})
        for booking in assignments.offers_for(db, volunteer_id):
            db.table(BOOKINGS).update_id(booking["id"], {"offer": None, "offers": [
                *booking.get("offers", []), {**booking["offer"], "status": "withdrawn"}]})
        audit.record(db, actor(volunteer_id), "volunteer.withdraw", f"{VOLUNTEERS}/{volunteer_id}",
                     **{"from": person["status"]})
        return found(updated, GONE)


def accept(p: Portal, volunteer_id: str, booking_id: str) -> dict[str, Any]:
    _approved(p.db, volunteer_id)
    return assignments.accept(p, booking_id, volunteer_id)


def decline(p: Portal, volunteer_id: str, form: Decline) -> dict[str, Any]:
    return assignments.decline(p, form.booking_id, volunteer_id, form.reason)


def _approved(db: Database, volunteer_id: str) -> None:
    if _load(db, volunteer_id)["status"] != "approved":
        raise ApiError(409, "invalid_transition", "只有审核通过的专家可以接受邀请。")


def my_visits(db: Database, volunteer_id: str) -> list[dict[str, Any]]:
    """The expert's confirmed and completed visits, soonest first."""
    return sorted((b for b in db.table(BOOKINGS).find(expert_id=volunteer_id)
                   if b.get("status") in STAFFED and b.get("date")),
                  key=lambda b: (b["date"], b.get("time_slot") or "", b["id"]))


def report(p: Portal, volunteer_id: str, form: VisitReport) -> dict[str, Any]:
    """After the visit: delivered or not, audience, hours served; a delivered visit is completed."""
    if form.delivered == "yes" and (form.hours is None or form.audience_size is None):
        missing = {n: "已开展的活动请填写" for n in ("hours", "audience_size")
                   if getattr(form, n) is None}
        raise ApiError(422, message="已开展的活动请填写实际参加人数和服务时长。", fields=missing)
    db = p.db
    with db.transaction():
        booking = db.table(BOOKINGS).get_id(form.booking_id)
        if booking is None or booking.get("expert_id") != volunteer_id \
                or booking.get("status") not in STAFFED:
            raise ApiError(404, message="找不到这次活动。")
        if booking["date"] > clock.today().isoformat():
            raise ApiError(409, "too_early", "活动结束后才能填写报告。")
        now = clock.iso(clock.now())
        filed = {"delivered": form.delivered == "yes", "audience_size": form.audience_size,
                 "hours": form.hours, "notes": form.notes, "at": now}
        db.table(BOOKINGS).update_id(booking["id"], {"report": filed, "updated_at": now})
        if filed["delivered"] and booking["status"] == "confirmed":
            handling.change(p, booking["id"], BookingChange(status="completed"),
                            f"expert:{volunteer_id}")
        audit.record(db, actor(volunteer_id), "booking.report", f"{BOOKINGS}/{booking['id']}",
                     delivered=filed["delivered"])
        return found(db.table(BOOKINGS).get_id(booking["id"]), "找不到这次活动。")
