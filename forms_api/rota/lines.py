"""How the bureau defines hotlines and their shifts: the pattern, generation, single changes.

Times are Asia/Shanghai (no daylight saving): a pattern slot whose end is not after its start
ends the next day, so a night shift is one shift across midnight and across a month's end.
Generation is idempotent: each shift made from the pattern carries the key of its slot and
day, and a day's slot that already has a shift (even a cancelled one) is not made again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.errors import ApiError, found
from forms_api.rota import notify
from forms_api.rota.forms import (
    Generate,
    Hotline,
    ShiftChange,
    ShiftForm,
    check_days,
    check_seats,
    check_span,
    refuse,
)
from forms_api.rota.records import HOTLINES, SHIFTS, public_shift
from forms_api.storage import new_id
from forms_api.web.context import Portal

NO_HOTLINE = "找不到这条热线。"
NO_SHIFT = "找不到这个班次。"


def slot_span(day: dt.date, start: str, end: str) -> tuple[dt.datetime, dt.datetime]:
    """The slot's times on `day`; an end not after the start falls on the next day."""
    starts = dt.datetime.combine(day, dt.time.fromisoformat(start), clock.TZ)
    ends = dt.datetime.combine(day, dt.time.fromisoformat(end), clock.TZ)
    if ends <= starts:
        ends += dt.timedelta(days=1)
    return starts, ends


def create_hotline(p: Portal, form: Hotline, admin: str) -> dict[str, Any]:
    if form.training_module not in p.modules:
        raise refuse("training_module",
                     f"没有这个培训课程：{form.training_module}（可选：{'、'.join(p.modules)}）")
    pattern = []
    for i, slot in enumerate(form.pattern):
        check_seats(slot.min_seats, slot.max_seats, f"pattern.{i}.max_seats")
        pattern.append({"start": slot.start, "end": slot.end, "min_seats": slot.min_seats,
                        "max_seats": slot.max_seats or slot.min_seats,
                        "supervisor": slot.supervisor})
    starts = [s["start"] for s in pattern]
    if len(set(starts)) != len(starts):
        raise refuse("pattern", "班次模板中有两个班次的开始时间相同")
    record = {"id": new_id(), "name": form.name, "number": form.number, "hours": form.hours,
              "training_module": form.training_module, "pattern": pattern,
              "created_at": clock.iso(clock.now())}
    with p.db.transaction():
        p.db.table(HOTLINES).insert(record)
        audit.record(p.db, admin, "hotline.create", f"{HOTLINES}/{record['id']}")
    return record


def _shift(hotline_id: str, starts: dt.datetime, ends: dt.datetime, low: int, high: int,
           supervisor: str | None, key: str | None) -> dict[str, Any]:
    now = clock.iso(clock.now())
    return {"id": new_id(), "hotline_id": hotline_id, "starts_at": clock.iso(starts),
            "ends_at": clock.iso(ends), "min_seats": low, "max_seats": high,
            "supervisor": supervisor, "volunteers": [], "status": "open", "key": key,
            "no_shows": [], "served": {}, "created_at": now, "updated_at": now}


def generate(p: Portal, hotline_id: str, form: Generate, admin: str) -> int:
    """Make the pattern's shifts for each day from `from` to `to`; how many were new."""
    check_days(form.from_, form.to)
    db = p.db
    with db.transaction():
        line = found(db.table(HOTLINES).get_id(hotline_id), NO_HOTLINE)
        table = db.table(SHIFTS)
        existing = {s["key"] for s in table.find(hotline_id=hotline_id) if s.get("key")}
        made = []
        day = form.from_
        while day <= form.to:
            for slot in line["pattern"]:
                key = f"{day.isoformat()}@{slot['start']}"
                if key in existing:
                    continue
                starts, ends = slot_span(day, slot["start"], slot["end"])
                made.append(_shift(hotline_id, starts, ends, slot["min_seats"],
                                   slot["max_seats"], slot.get("supervisor"), key))
            day += dt.timedelta(days=1)
        if made:
            table.insert_multiple(made)
            audit.record(db, admin, "shift.generate", f"{HOTLINES}/{hotline_id}",
                         created=len(made), first=form.from_.isoformat(),
                         last=form.to.isoformat())
    return len(made)


def add_shift(p: Portal, hotline_id: str, form: ShiftForm, admin: str) -> dict[str, Any]:
    check_seats(form.min_seats, form.max_seats)
    check_span(form.starts_at, form.ends_at)
    db = p.db
    with db.transaction():
        found(db.table(HOTLINES).get_id(hotline_id), NO_HOTLINE)
        shift = _shift(hotline_id, form.starts_at, form.ends_at, form.min_seats,
                       form.max_seats or form.min_seats, form.supervisor, None)
        db.table(SHIFTS).insert(shift)
        audit.record(db, admin, "shift.add", f"{SHIFTS}/{shift['id']}")
    return public_shift(shift)


def change_shift(p: Portal, shift_id: str, form: ShiftChange, admin: str) -> dict[str, Any]:
    """Change times, seats or supervisor, or cancel; those on a cancelled shift are told."""
    db = p.db
    with db.transaction():
        table = db.table(SHIFTS)
        shift = found(table.get_id(shift_id), NO_SHIFT)
        starts = form.starts_at or clock.parse_iso(shift["starts_at"])
        ends = form.ends_at or clock.parse_iso(shift["ends_at"])
        low = form.min_seats or shift["min_seats"]
        high = form.max_seats or (shift["max_seats"] if form.min_seats is None
                                  else max(shift["max_seats"], low))
        check_span(starts, ends)
        check_seats(low, high)
        if high < len(shift["volunteers"]):
            raise refuse("max_seats", f"已有 {len(shift['volunteers'])} 人值班，最多人数不能更少")
        changes: dict[str, Any] = {"starts_at": clock.iso(starts), "ends_at": clock.iso(ends),
                                   "min_seats": low, "max_seats": high,
                                   "updated_at": clock.iso(clock.now())}
        if "supervisor" in form.model_fields_set:
            changes["supervisor"] = form.supervisor
        cancelling = form.status == "cancelled" and shift["status"] != "cancelled"
        if form.status is not None:
            changes["status"] = form.status
        if form.status == "open" and shift["status"] == "cancelled" and ends <= clock.now():
            raise ApiError(409, "shift_started", "已经结束的班次不能恢复。")
        updated = table.update_id(shift_id, changes)
        assert updated is not None
        if cancelling:
            for vid in shift["volunteers"]:
                notify.to_volunteer(p, vid, "shift.reminder", "热线值班取消",
                                    f"您的热线值班 {notify.when(shift)} 已取消，无需到岗。")
        audit.record(db, admin, "shift.cancel" if cancelling else "shift.change",
                     f"{SHIFTS}/{shift_id}")
    return public_shift(updated)
