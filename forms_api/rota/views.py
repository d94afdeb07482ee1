"""What the rota's pages and answers show: shifts with their line and names, a week grid."""

from __future__ import annotations

import datetime as dt
from typing import Any

from forms_api import clock
from forms_api.errors import ApiError
from forms_api.rota import notify
from forms_api.rota.records import (
    OPEN_SWAPS,
    SHIFTS,
    SWAPS,
    between,
    blocked,
    gaps,
    hotlines,
    hours_of,
    of_volunteer,
    public_shift,
    span,
    week_start,
)
from forms_api.rota.rules import ineligible
from forms_api.settings import Settings
from forms_api.storage import Database
from forms_api.volunteers.forms import HOTLINE_RULE
from forms_api.volunteers.records import VOLUNTEERS

MAX_RANGE_DAYS = 190


def day_param(raw: str | None, name: str, default: dt.date) -> dt.date:
    """A `YYYY-MM-DD` query parameter, or 422 naming it."""
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ApiError(422, message=f"{name} 应为 YYYY-MM-DD 格式的日期，收到 {raw[:20]!r}",
                       fields={name: "应为 YYYY-MM-DD 格式的日期"}) from None


def date_range(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    if last < first:
        raise ApiError(422, message="to 不能早于 from", fields={"to": "不能早于开始日期"})
    if (last - first).days > MAX_RANGE_DAYS:
        raise ApiError(422, message=f"一次最多查看 {MAX_RANGE_DAYS} 天",
                       fields={"to": f"一次最多查看 {MAX_RANGE_DAYS} 天"})
    starts = dt.datetime.combine(first, dt.time(0), clock.TZ)
    return starts, dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), clock.TZ)


def shown(db: Database, shift: dict[str, Any], lines: dict[str, dict[str, Any]],
          names: dict[str, str]) -> dict[str, Any]:
    """A shift as the console and the volunteer's page show it."""
    starts, ends = span(shift)
    line = lines.get(shift["hotline_id"])
    return {**public_shift(shift, line), "when": notify.when(shift),
            "day": starts.date(), "start": clock.show_time(starts), "end": clock.show_time(ends),
            "overnight": ends.date() != starts.date(), "hours": hours_of(starts, ends),
            "names": [names.get(v, "?") for v in shift["volunteers"]],
            "no_shows": list(shift.get("no_shows", []))}


def names_of(db: Database) -> dict[str, str]:
    return {v["id"]: v["name"] for v in db.table(VOLUNTEERS).all()}


def listing(db: Database, first: dt.date, last: dt.date, only_gaps: bool,
            hotline_id: str | None = None) -> list[dict[str, Any]]:
    starts, ends = date_range(first, last)
    lines, names = hotlines(db), names_of(db)
    found = [s for s in between(db, starts, ends, hotline_id)
             if starts <= clock.parse_iso(s["starts_at"]) < ends]
    return [shown(db, s, lines, names) for s in found
            if not only_gaps or public_shift(s)["gap"]]


def week(db: Database, monday: dt.date, now: dt.datetime) -> dict[str, Any]:
    """The coordinator's grid: for each line, rows of pattern times by seven days."""
    monday = week_start(monday)
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    lines, names = hotlines(db), names_of(db)
    shifts = listing(db, days[0], days[-1], False)
    grids = []
    for line in sorted(lines.values(), key=lambda h: h["name"]):
        mine = [s for s in shifts if s["hotline_id"] == line["id"]]
        times = sorted({(s["start"], s["end"]) for s in mine})
        rows = [{"start": a, "end": b,
                 "cells": [[s for s in mine if (s["start"], s["end"]) == (a, b)
                            and s["day"] == d] for d in days]} for a, b in times]
        grids.append({"line": line, "rows": rows})
    coming = [shown(db, s, lines, names) for s in gaps(db, now)]
    return {"days": days, "grids": grids, "gaps": coming, "monday": monday,
            "previous": monday - dt.timedelta(days=7), "next": monday + dt.timedelta(days=7)}


def for_volunteer(db: Database, settings: Settings, volunteer_id: str, now: dt.datetime
                  ) -> dict[str, Any]:
    """A volunteer's page: my shifts, the open seats I may take, swaps I could accept."""
    lines, names = hotlines(db), names_of(db)
    reasons = {h["id"]: ineligible(db, volunteer_id, h) for h in lines.values()}
    horizon = now + dt.timedelta(days=settings.rota_horizon_days)
    mine = [shown(db, s, lines, names) for s in of_volunteer(db, volunteer_id)
            if span(s)[1] > now]
    my_swaps = {w["shift_id"]: w for w in db.table(SWAPS).find(from_id=volunteer_id)
                if w["status"] in OPEN_SWAPS}
    cutoff = dt.timedelta(hours=settings.rota_cutoff_hours)
    for s in mine:
        s["swap"] = my_swaps.get(s["id"])
        s["may_leave"] = clock.parse_iso(s["starts_at"]) - cutoff > now
    free = [shown(db, s, lines, names) for s in between(db, now, horizon)
            if s["status"] == "open" and span(s)[0] > now and not reasons.get(s["hotline_id"])
            and volunteer_id not in s["volunteers"] and len(s["volunteers"]) < s["max_seats"]]
    offers = [{**w, "shift": shown(db, w["shift"], lines, names)}
              for w in swaps_offered(db, volunteer_id, now)
              if not reasons.get(w["shift"]["hotline_id"])]
    eligible = any(r is None for r in reasons.values())
    first_reason = next((r for r in reasons.values() if r), None)
    return {"eligible": eligible, "reason": None if eligible else first_reason,
            "rule": HOTLINE_RULE, "mine": mine, "open": free, "swaps": offers,
            "blocked": blocked(db, volunteer_id, settings.rota_no_show_limit),
            "settings": settings}


def swaps_offered(db: Database, volunteer_id: str, now: dt.datetime) -> list[dict[str, Any]]:
    """Open offers by others of shifts the volunteer is not on, soonest first."""
    shifts = db.table(SHIFTS)
    out = []
    for swap in db.table(SWAPS).find(status="offered"):
        shift = shifts.get_id(swap["shift_id"])
        if (swap["from_id"] != volunteer_id and shift is not None and shift["status"] == "open"
                and span(shift)[0] > now and volunteer_id not in shift["volunteers"]):
            out.append({**swap, "shift": shift})
    out.sort(key=lambda w: w["shift"]["starts_at"])
    return out
