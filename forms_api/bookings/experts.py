"""The directory of approved experts, with their visit counts and service record."""

from __future__ import annotations

from typing import Any

from forms_api import clock
from forms_api.bookings.records import BOOKINGS, STAFFED
from forms_api.storage import Database
from forms_api.volunteers.records import approved

NOT_FOUND = "找不到这位专家。"


def service_record(db: Database, expert_id: str) -> list[dict[str, Any]]:
    """The expert's confirmed and completed visits, latest first."""
    visits = [b for b in db.table(BOOKINGS).find(expert_id=expert_id)
              if b.get("status") in STAFFED and b.get("date")]
    return sorted(visits, key=lambda b: (b["date"], b["id"]), reverse=True)


def directory(db: Database) -> list[dict[str, Any]]:
    """Approved experts by name, each with `visits_completed` and `visits_upcoming`."""
    today = clock.today().isoformat()
    counts: dict[str, list[int]] = {}
    for b in db.table(BOOKINGS).all():
        if b.get("expert_id") and b.get("date") and b.get("status") in STAFFED:
            pair = counts.setdefault(b["expert_id"], [0, 0])
            if b["status"] == "completed":
                pair[0] += 1
            elif b["date"] >= today:
                pair[1] += 1
    experts = approved(db)
    return [{**v, "visits_completed": counts.get(v["id"], [0, 0])[0],
             "visits_upcoming": counts.get(v["id"], [0, 0])[1]} for v in experts]
