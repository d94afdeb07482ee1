"""What the figures are computed from: one consistent read of the tables, and school links.

A record counts for the school its `school_id` names; a school merged into another
(`merged_into`) counts as the one it was merged into, however many merges lie between.
Schools *counted* in a total are the active ones that were not merged away; a closed school
(`active` false) is never counted and never "uncovered", though its teachers still count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from forms_api import clock
from forms_api.bookings.records import BOOKINGS
from forms_api.schools.records import SCHOOLS, follow_merges
from forms_api.storage import Database
from forms_api.trainings.records import ATTENDANCE, SESSIONS
from forms_api.volunteers.records import VOLUNTEERS

Record = dict[str, Any]
NO_DISTRICT = "未填区县"


@dataclass
class Snapshot:
    """Every record the figures read, taken at one moment."""

    schools: list[Record] = field(default_factory=list)
    checkins: list[Record] = field(default_factory=list)
    sessions: dict[str, Record] = field(default_factory=dict)
    bookings: list[Record] = field(default_factory=list)
    volunteers: list[Record] = field(default_factory=list)


def snapshot(db: Database) -> Snapshot:
    """Read the tables inside one transaction, so no change lands between two of them."""
    with db.transaction():
        return Snapshot(schools=db.table(SCHOOLS).all(), checkins=db.table(ATTENDANCE).all(),
                        sessions={s["id"]: s for s in db.table(SESSIONS).all()},
                        bookings=db.table(BOOKINGS).all(), volunteers=db.table(VOLUNTEERS).all())


class Schools:
    """The registry as the figures see it: merges followed, counted schools in order."""

    def __init__(self, schools: Iterable[Record]) -> None:
        self.by_id = {s["id"]: s for s in schools if s.get("id")}
        self.counted = sorted(
            (s for s in self.by_id.values() if s.get("active", True) and not s.get("merged_into")),
            key=order)
        self.counted_ids = {s["id"] for s in self.counted}

    def kept(self, school_id: Any) -> Record | None:
        """The school a record linked to `school_id` counts for (merges followed), or None."""
        return follow_merges(self.by_id, school_id)

    def of(self, record: Record) -> Record | None:
        return self.kept(record.get("school_id"))


def district_of(school: Record) -> str:
    return str(school.get("district") or NO_DISTRICT)


def order(school: Record) -> tuple[str, str, str, str]:
    """Schools by district (its code first, where known), then name."""
    return (str(school.get("district_code") or "~"), district_of(school),
            str(school.get("name") or ""), str(school["id"]))


def brief(school: Record) -> Record:
    """A school as the lists show it: no more than the contract names."""
    return {"id": school["id"], "name": school.get("name") or "", "district": district_of(school)}


def checkin_day(record: Record) -> dt.date | None:
    at = record.get("checked_in_at")
    return clock.parse_iso(at).date() if isinstance(at, str) and at else None


def visit_day(booking: Record) -> dt.date | None:
    """A visit's day in the figures: its date when set, else the day it was requested."""
    if booking.get("date"):
        return dt.date.fromisoformat(str(booking["date"]))
    created = booking.get("created_at")
    return clock.parse_iso(created).date() if isinstance(created, str) and created else None


def newest(records: Iterable[Record], *keys: str) -> dt.datetime | None:
    """The latest of the `keys` times over `records` (None when there is none)."""
    latest: dt.datetime | None = None
    for record in records:
        for key in keys:
            value = record.get(key)
            if isinstance(value, str) and value:
                moment = clock.parse_iso(value)
                if latest is None or moment > latest:
                    latest = moment
    return latest


def latest(*moments: dt.datetime | None) -> str | None:
    """The newest of `moments` as ISO 8601, or None."""
    known = [m for m in moments if m is not None]
    return clock.iso(max(known)) if known else None


def earliest_day(snap: Snapshot) -> dt.date | None:
    """The first day any check-in or visit happened (for the console's school years)."""
    days = [d for d in (*map(checkin_day, snap.checkins), *map(visit_day, snap.bookings)) if d]
    return min(days) if days else None
