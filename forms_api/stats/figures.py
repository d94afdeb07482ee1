"""The programme's figures for a period: `GET /api/admin/stats` and every page built on it.

A school is *covered* when at least one check-in linked to it falls in the period (by the day
of `checked_in_at`, Asia/Shanghai). `teachers_trained` counts distinct phone numbers among the
period's check-ins, linked to a school or not; `training_hours` sums their modules' 学时.
Visits: see `forms_api.stats.visits`. Each block's `updated` time is the newest
`created_at`/`updated_at` (`checked_in_at` for check-ins) of the records it read.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from forms_api import clock
from forms_api.schools.records import STAGES
from forms_api.stats import targets as goals
from forms_api.stats import visits as visiting
from forms_api.stats.period import Period
from forms_api.stats.sources import (
    Record,
    Schools,
    Snapshot,
    brief,
    checkin_day,
    district_of,
    latest,
    newest,
    order,
    snapshot,
    visit_day,
)
from forms_api.storage import Database

NO_STAGE = "未填学段"


@dataclass
class Training:
    """The period's check-ins, and who and where they came from."""

    checkins: list[Record] = field(default_factory=list)
    hours: float = 0.0
    phones: set[str] = field(default_factory=set)
    covered: set[str] = field(default_factory=set)  # ids of the schools they count for
    teachers_by_district: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    unlinked: int = 0


def _training(snap: Snapshot, schools: Schools, period: Period,
              module_hours: Mapping[str, float]) -> Training:
    out = Training()
    for record in snap.checkins:
        day = checkin_day(record)
        if day is None or not period.holds(day):
            continue
        out.checkins.append(record)
        phone = str(record.get("phone") or record["id"])
        out.phones.add(phone)
        session = snap.sessions.get(record.get("session_id", ""))
        if session is not None:
            out.hours += module_hours.get(session.get("module", ""), 0.0)
        school = schools.of(record)
        if school is None:
            out.unlinked += 1
            continue
        out.covered.add(school["id"])
        out.teachers_by_district[district_of(school)].add(phone)
    return out


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _by_district(schools: Schools, training: Training, visits: visiting.Visits
                 ) -> list[dict[str, Any]]:
    """One row per district with a counted school, or with teachers or visits of its own."""
    rows: dict[str, dict[str, Any]] = {}
    places = sorted(schools.by_id.values(), key=order)
    for school in places:
        name = district_of(school)
        if name not in rows and (school["id"] in schools.counted_ids or name in training.teachers_by_district
                                 or name in visits.by_district):
            rows[name] = {"district": name, "schools": 0, "covered": 0}
    for school in schools.counted:
        row = rows[district_of(school)]
        row["schools"] += 1
        row["covered"] += school["id"] in training.covered
    for name, row in rows.items():
        row["coverage"] = _ratio(row["covered"], row["schools"])
        row["teachers"] = len(training.teachers_by_district.get(name, ()))
        row["visits"] = visiting.status_counts([])  # zeros, filled below
        for status, count in visits.by_district.get(name, Counter()).items():
            if status in row["visits"]:
                row["visits"][status] = count
                row["visits"]["total"] += count
        row["visits_completed"] = row["visits"]["completed"]
    return list(rows.values())


def _by_stage(schools: Schools, training: Training) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for school in schools.counted:
        code = str(school.get("stage") or "")
        row = rows.setdefault(code, {"stage": code or None,
                                     "label": STAGES.get(code, code or NO_STAGE),
                                     "schools": 0, "covered": 0})
        row["schools"] += 1
        row["covered"] += school["id"] in training.covered
    ranks = {code: n for n, code in enumerate(STAGES)}
    found = sorted(rows.values(), key=lambda r: (ranks.get(r["stage"] or "", len(ranks)),
                                                 r["label"]))
    for row in found:
        row["coverage"] = _ratio(row["covered"], row["schools"])
    return found


def _trend(period: Period, training: Training, visits: visiting.Visits) -> list[dict[str, Any]]:
    """Month by month: check-ins, distinct teachers, completed visits."""
    checkins: Counter[str] = Counter()
    phones: dict[str, set[str]] = defaultdict(set)
    for record in training.checkins:
        month = str(checkin_day(record))[:7]
        checkins[month] += 1
        phones[month].add(str(record.get("phone") or record["id"]))
    done: Counter[str] = Counter()
    for booking in visits.in_period:
        day = visit_day(booking)
        if booking.get("status") == visiting.DONE and day is not None:
            done[day.isoformat()[:7]] += 1
    return [{"month": m, "checkins": checkins[m], "teachers": len(phones[m]), "visits": done[m]}
            for m in period.months()]


def compute(snap: Snapshot, period: Period, module_hours: Mapping[str, float],
            targets: dict[str, float | None], now: dt.datetime | None = None) -> dict[str, Any]:
    """Every figure of the period, as the API answers it."""
    schools = Schools(snap.schools)
    training = _training(snap, schools, period, module_hours)
    visits = visiting.collect(snap, schools, period)
    total = len(schools.counted)
    covered = sum(1 for s in schools.counted if s["id"] in training.covered)
    teachers = len(training.phones)
    hours = round(training.hours, 1)
    per_teacher = round(hours / teachers, 1) if teachers else None
    visit_part = visiting.figures(snap, schools, period, visits)
    coverage = _ratio(covered, total)
    visited = _ratio(visit_part["schools_visited"], total)

    sessions_used = [snap.sessions[r["session_id"]] for r in training.checkins
                     if r.get("session_id") in snap.sessions]
    at_checkins = newest(training.checkins, "checked_in_at")
    at_schools = newest(snap.schools, "created_at", "updated_at")
    at_sessions = newest(sessions_used, "created_at", "updated_at")
    at = visiting.updated(snap, visits)
    at_visits, at_experts = at["visits"], at["experts"]
    return {
        "from": period.first.isoformat(), "to": period.last.isoformat(), "label": period.label,
        "school_year": period.school_year,
        "schools": {"total": total, "covered": covered, "coverage": coverage,
                    "uncovered": [brief(s) for s in schools.counted
                                  if s["id"] not in training.covered],
                    "closed": sum(1 for s in schools.by_id.values()
                                  if not s.get("active", True) and not s.get("merged_into")),
                    "merged": sum(1 for s in schools.by_id.values() if s.get("merged_into"))},
        "teachers_trained": teachers, "training_hours": hours, "hours_per_teacher": per_teacher,
        "checkins": len(training.checkins), "unlinked_checkins": training.unlinked,
        "by_district": _by_district(schools, training, visits),
        "by_stage": _by_stage(schools, training),
        **visit_part,
        "trend": _trend(period, training, visits),
        "targets": goals.progress(targets, {
            "coverage": None if coverage is None else round(coverage * 100, 1),
            "visit_coverage": None if visited is None else round(visited * 100, 1),
            "teachers": float(teachers), "hours_per_teacher": per_teacher}),
        "updated": {
            "schools": latest(at_schools, at_checkins),
            "training": latest(at_checkins, at_sessions),
            "by_district": latest(at_schools, at_checkins, at_visits),
            "visits": latest(at_visits), "experts": latest(at_experts),
            "trend": latest(at_checkins, at_visits)},
        "generated_at": clock.iso(now or clock.now()),
    }


def figures_for(db: Database, period: Period, module_hours: Mapping[str, float]
                ) -> dict[str, Any]:
    """The figures of `period` from the database as it is now, beside the bureau's targets."""
    return compute(snapshot(db), period, module_hours, goals.load(db))
