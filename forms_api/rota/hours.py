"""Hours served on the hotline: each shift a volunteer served counts its actual hours.

A shift counts once it has ended, was not cancelled, and the volunteer was not recorded as a
no-show. Its hours are the shift's own unless the coordinator corrected them (with a reason,
audited): the corrected times are kept on the shift, per volunteer, in `served`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.errors import found
from forms_api.rota.forms import Served, check_span
from forms_api.rota.lines import NO_SHIFT
from forms_api.rota.records import SHIFTS, hotlines, hours_of, span
from forms_api.rota.rules import refusal
from forms_api.storage import Database
from forms_api.web.context import Portal

CONTENT = "热线值班"


def actual(shift: dict[str, Any], volunteer_id: str) -> tuple[dt.datetime, dt.datetime]:
    """The times the volunteer served: corrected ones if the coordinator set them."""
    fixed = (shift.get("served") or {}).get(volunteer_id)
    if fixed:
        return clock.parse_iso(fixed["starts_at"]), clock.parse_iso(fixed["ends_at"])
    return span(shift)


def served(db: Database, volunteer_id: str, now: dt.datetime | None = None
           ) -> list[dict[str, Any]]:
    """[{date, place (the line's name), content, hours}], oldest first, for the service record."""
    moment = now or clock.now()
    lines = hotlines(db)
    out = []
    for shift in db.table(SHIFTS).all():
        if (shift["status"] != "open" or volunteer_id not in shift["volunteers"]
                or volunteer_id in shift.get("no_shows", [])):
            continue
        starts, ends = actual(shift, volunteer_id)
        if span(shift)[1] > moment:
            continue
        line = lines.get(shift["hotline_id"])
        out.append({"date": starts.date().isoformat(),
                    "place": line["name"] if line else "热线",
                    "content": f"{CONTENT} {clock.show_time(starts)}–{clock.show_time(ends)}",
                    "hours": hours_of(starts, ends), "shift_id": shift["id"]})
    out.sort(key=lambda r: (r["date"], r["content"]))
    return out


def correct(p: Portal, shift_id: str, form: Served, admin: str) -> dict[str, Any]:
    """Set the times a volunteer actually served; the reason stays on the shift."""
    check_span(form.starts_at, form.ends_at)
    db = p.db
    with db.transaction():
        shift = found(db.table(SHIFTS).get_id(shift_id), NO_SHIFT)
        if form.volunteer_id not in shift["volunteers"]:
            raise refusal("not_on_shift", "这位志愿者不在这个班次中。")
        fixed = {**(shift.get("served") or {}), form.volunteer_id: {
            "starts_at": clock.iso(form.starts_at), "ends_at": clock.iso(form.ends_at),
            "reason": form.reason, "by": admin, "at": clock.iso(clock.now())}}
        db.table(SHIFTS).update_id(shift_id, {"served": fixed})
        hours = hours_of(form.starts_at, form.ends_at)
        audit.record(db, admin, "shift.correct", f"{SHIFTS}/{shift_id}",
                     volunteer=form.volunteer_id, hours=hours)
        return {"shift_id": shift_id, "volunteer_id": form.volunteer_id, "hours": hours}
