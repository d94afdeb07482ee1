"""Campus visit bookings (table `bookings`): statuses, moves, and what a school may see.

Record: {id, reference, status, school, district, stage, contact_name, phone, email,
preferred_dates, time_slot, topic, topic_detail, audience, audience_size, expert_id, notes,
consent, notice_version, date (set on confirm), note, reason?, handled_by?, created_at,
updated_at, submission}.
Moves: requested → confirmed (needs date, time_slot, expert_id; confirmed → confirmed
reschedules) → completed; requested|confirmed → declined (the bureau) or cancelled (the school,
or the bureau on its behalf).
"""

from __future__ import annotations

import hmac
from typing import Any, Literal

from forms_api.bookings import history
from forms_api.forms.fields import check_choices
from forms_api.storage import Database
from forms_api.volunteers.records import VOLUNTEERS

BOOKINGS = "bookings"

StatusCode = Literal["requested", "confirmed", "completed", "cancelled", "declined"]
#: As staff read them.
STATUSES: dict[str, str] = {"requested": "待安排", "confirmed": "已确认", "completed": "已完成",
                            "cancelled": "学校已取消", "declined": "未能安排"}
#: As the school reads them on its status page.
PUBLIC_STATUSES: dict[str, str] = {"requested": "已提交，等待安排", "confirmed": "已确认",
                                   "completed": "已完成", "cancelled": "已取消",
                                   "declined": "未能安排"}
check_choices(StatusCode, STATUSES)
check_choices(StatusCode, PUBLIC_STATUSES)
MOVES: dict[str, tuple[str, ...]] = {
    "requested": ("confirmed", "declined", "cancelled"),
    "confirmed": ("confirmed", "completed", "declined", "cancelled"),
    "completed": (),
    "cancelled": (),
    "declined": (),
}
CANCELLABLE = ("requested", "confirmed")
#: Visits that hold an expert on their date.
STAFFED = ("confirmed", "completed")
FINISHED = ("completed", "cancelled", "declined")


def find_booking(db: Database, reference: str, phone: str) -> dict[str, Any] | None:
    """The booking with this reference if the phone matches; None either way otherwise."""
    found = db.table(BOOKINGS).find(reference=reference)
    if not found or not hmac.compare_digest(found[0]["phone"].encode(), phone.encode()):
        return None
    return found[0]


def public_booking(db: Database, booking: dict[str, Any]) -> dict[str, Any]:
    """What the school may see: no phone, no bureau note."""
    expert = None
    if booking.get("date") and booking.get("expert_id"):
        person = db.table(VOLUNTEERS).get_id(booking["expert_id"])
        if person is not None and person["status"] == "approved":
            expert = {"name": person["name"], "title": person.get("title")}
    return {"reference": booking["reference"], "status": booking["status"],
            "school": booking["school"], "date": booking.get("date"),
            "time_slot": booking["time_slot"], "expert": expert,
            "preferred_dates": booking["preferred_dates"], "topic": booking["topic"],
            "reason": booking.get("reason") if booking["status"] == "declined" else None,
            "history": history.plain(booking),
            # The expert's data was deleted or the expert withdrew: the bureau will rearrange.
            "reassigning": booking["status"] == "confirmed" and bool(booking.get("expert_id"))
            and expert is None}
