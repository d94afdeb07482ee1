"""Expert volunteers (table `volunteers`): statuses, moves and the public directory.

Record: {id, status (pending|needs_info|approved|rejected), name, phone, email, organization, title, qualifications,
years_experience, expertise, districts, availability, bio, public_profile, consent,
notice_version, note, info_requested?, reviewed_by?, created_at, updated_at, submission}.
Moves: pending → approved | rejected | needs_info; needs_info → pending (resubmitted) | approved |
rejected; approved → rejected (approval withdrawn); pending | needs_info | approved → withdrawn
(by the volunteer, on their own page). Asking for
more information keeps the application pending and records the request (`info_requested`).
"""

from __future__ import annotations

from typing import Any, Literal

from forms_api.forms.fields import check_choices
from forms_api.storage import Database

VOLUNTEERS = "volunteers"

StatusCode = Literal["pending", "needs_info", "approved", "rejected", "withdrawn"]
STATUSES: dict[str, str] = {"pending": "待审核", "needs_info": "待补充材料", "approved": "已通过",
                            "rejected": "未通过", "withdrawn": "本人已退出"}
check_choices(StatusCode, STATUSES)
MOVES: dict[str, tuple[str, ...]] = {"pending": ("approved", "rejected", "needs_info"),
                                     "needs_info": ("pending", "approved", "rejected"),
                                     "approved": ("rejected",), "rejected": (), "withdrawn": ()}
#: The volunteer may withdraw from these (through their own page).
WITHDRAWABLE = ("pending", "needs_info", "approved")
#: An application with one of these statuses blocks a second one from the same phone.
ACTIVE = ("pending", "needs_info", "approved")
EXPERT_FIELDS = ("id", "name", "title", "organization", "expertise")


def public_experts(db: Database) -> list[dict[str, Any]]:
    """Approved volunteers who chose a public profile, by name; contact fields never."""
    found = db.table(VOLUNTEERS).find(status="approved", public_profile=True)
    found.sort(key=lambda v: (v["name"], v["id"]))
    return [{k: v.get(k) for k in EXPERT_FIELDS} for v in found]


def approved(db: Database) -> list[dict[str, Any]]:
    """Every approved volunteer, by name."""
    return sorted(db.table(VOLUNTEERS).find(status="approved"), key=lambda v: (v["name"], v["id"]))
