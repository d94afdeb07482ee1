"""The visits' figures: bookings by status, by school and district, and the experts' share.

A booking belongs to the period by its visit's date when one is set (confirmed, completed,
and visits declined or cancelled after confirming), else by the day it was requested; it is
counted under its current status. A school *had a visit* when a completed visit linked to it
took place on or before the period's last day.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from forms_api.bookings.records import STATUSES
from forms_api.stats.period import Period
from forms_api.stats.sources import Record, Schools, Snapshot, brief, district_of, newest, visit_day

DONE = "completed"


@dataclass
class Visits:
    """The bookings of the period, and what the district table needs from them."""

    in_period: list[Record] = field(default_factory=list)
    by_district: dict[str, Counter[str]] = field(default_factory=dict)
    visited: set[str] = field(default_factory=set)  # schools with a completed visit in the period
    unlinked: int = 0


def collect(snap: Snapshot, schools: Schools, period: Period) -> Visits:
    out = Visits()
    for booking in snap.bookings:
        day = visit_day(booking)
        if day is None or not period.holds(day):
            continue
        out.in_period.append(booking)
        school = schools.of(booking)
        if school is None:
            out.unlinked += 1
            continue
        out.by_district.setdefault(district_of(school), Counter())[booking.get("status", "")] += 1
        if booking.get("status") == DONE:
            out.visited.add(school["id"])
    return out


def status_counts(bookings: list[Record]) -> dict[str, int]:
    """Every status of the contract, zero included, then the total."""
    tally = Counter(b.get("status") for b in bookings)
    counts = {status: tally.get(status, 0) for status in STATUSES}
    counts["total"] = len(bookings)
    return counts


def never_visited(snap: Snapshot, schools: Schools, period: Period) -> list[Record]:
    """Counted schools without a completed visit up to the period's last day."""
    had: set[str] = set()
    for booking in snap.bookings:
        day = visit_day(booking)
        school = schools.of(booking)
        if booking.get("status") == DONE and school and day and day <= period.last:
            had.add(school["id"])
    return [brief(s) for s in schools.counted if s["id"] not in had]


def experts(snap: Snapshot, visits: Visits) -> dict[str, Any]:
    """Approved experts, how many had a completed visit in the period, visits per expert."""
    approved = {v["id"]: v for v in snap.volunteers if v.get("status") == "approved"}
    done: Counter[str] = Counter()
    confirmed: Counter[str] = Counter()
    for booking in visits.in_period:
        expert_id = booking.get("expert_id")
        if not expert_id:
            continue
        if booking.get("status") == DONE:
            done[expert_id] += 1
        elif booking.get("status") == "confirmed":
            confirmed[expert_id] += 1
    names = {v["id"]: v.get("name") or "" for v in snap.volunteers}
    # Everyone approved, and anyone who made a visit in the period though no longer approved.
    ids = set(approved) | set(done) | set(confirmed)
    ranked = sorted(ids, key=lambda i: (-done[i], -confirmed[i], names.get(i, ""), i))
    per_expert = [{"id": i, "name": names.get(i, ""), "completed": done[i], "confirmed": confirmed[i],
                   "approved": i in approved} for i in ranked]
    return {"approved": len(approved), "with_visits": sum(1 for i in approved if done[i]),
            "visits": sum(done.values()), "per_expert": per_expert}


def updated(snap: Snapshot, visits: Visits) -> dict[str, Any]:
    """When the visits' and the experts' figures last changed."""
    return {"visits": newest(visits.in_period, "created_at", "updated_at"),
            "experts": newest((*snap.volunteers, *visits.in_period), "created_at", "updated_at")}


def figures(snap: Snapshot, schools: Schools, period: Period, visits: Visits) -> dict[str, Any]:
    return {"visits": status_counts(visits.in_period),
            "schools_visited": sum(1 for s in schools.counted if s["id"] in visits.visited),
            "never_visited": never_visited(snap, schools, period),
            "unlinked_bookings": visits.unlinked,
            "experts": experts(snap, visits)}
