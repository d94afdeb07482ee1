"""Taking, leaving and assigning seats, and no-shows: each change in one transaction.

The rules are checked under the database's lock in the same transaction that writes the
seat, so the last seat goes to exactly one of two volunteers who tap at once. Leaving is free
until the cut-off before the start; later a volunteer can only offer a swap (`swaps`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.errors import found
from forms_api.rota import notify
from forms_api.rota.lines import NO_SHIFT
from forms_api.rota.records import NO_SHOWS, SHIFTS, SWAPS, open_swaps, public_shift, span
from forms_api.rota.rules import HARD, refusal, refusals
from forms_api.storage import new_id
from forms_api.volunteers.records import VOLUNTEERS
from forms_api.web.context import Portal

NO_VOLUNTEER = "找不到这位志愿者。"


def _seat(p: Portal, shift: dict[str, Any], volunteer_id: str) -> dict[str, Any]:
    updated = p.db.table(SHIFTS).update_id(shift["id"], {
        "volunteers": [*shift["volunteers"], volunteer_id],
        "updated_at": clock.iso(clock.now())})
    assert updated is not None
    return updated


def take(p: Portal, shift_id: str, volunteer_id: str) -> dict[str, Any]:
    """The volunteer takes a seat; the first rule broken is the 409."""
    db = p.db
    with db.transaction():
        shift = found(db.table(SHIFTS).get_id(shift_id), NO_SHIFT)
        if volunteer_id in shift["volunteers"]:
            return public_shift(shift)  # a repeated tap: already taken
        broken = refusals(db, p.settings, shift, volunteer_id, clock.now(), by_volunteer=True)
        if broken:
            raise broken[0]
        return public_shift(_seat(p, shift, volunteer_id))


def assign(p: Portal, shift_id: str, volunteer_id: str, override: bool, admin: str
           ) -> dict[str, Any]:
    """The coordinator seats a volunteer; `override` passes the rules and is audited."""
    db = p.db
    with db.transaction():
        shift = found(db.table(SHIFTS).get_id(shift_id), NO_SHIFT)
        found(db.table(VOLUNTEERS).get_id(volunteer_id), NO_VOLUNTEER)
        broken = refusals(db, p.settings, shift, volunteer_id, clock.now(), by_volunteer=False)
        hard = [e for e in broken if e.code in HARD]
        if hard or (broken and not override):
            raise (hard or broken)[0]
        updated = _seat(p, shift, volunteer_id)
        passed = ",".join(e.code for e in broken)
        audit.record(db, admin, "shift.assign", f"{SHIFTS}/{shift_id}", volunteer=volunteer_id,
                     override=bool(broken), rules=passed or None)
        notify.to_volunteer(p, volunteer_id, "shift.reminder", "您被安排了热线值班",
                            f"热线值班协调人为您安排了 {notify.line_name(p, shift)} 的值班："
                            f"{notify.when(shift)}。")
        return public_shift(updated)


def _vacate(p: Portal, shift: dict[str, Any], volunteer_id: str) -> dict[str, Any]:
    db = p.db
    for swap in open_swaps(db, shift["id"]):
        if swap["from_id"] == volunteer_id:
            db.table(SWAPS).update_id(swap["id"], {"status": "withdrawn",
                                                   "updated_at": clock.iso(clock.now())})
    updated = db.table(SHIFTS).update_id(shift["id"], {
        "volunteers": [v for v in shift["volunteers"] if v != volunteer_id],
        "updated_at": clock.iso(clock.now())})
    assert updated is not None
    return updated


def leave(p: Portal, shift_id: str, volunteer_id: str) -> dict[str, Any]:
    """Give the seat back, while the cut-off before the start allows it."""
    db = p.db
    with db.transaction():
        shift = found(db.table(SHIFTS).get_id(shift_id), NO_SHIFT)
        if volunteer_id not in shift["volunteers"]:
            raise refusal("not_on_shift", "您不在这个班次中。")
        cutoff = span(shift)[0] - dt.timedelta(hours=p.settings.rota_cutoff_hours)
        if clock.now() >= cutoff:
            raise refusal("leave_cutoff",
                          f"距开始已不足 {p.settings.rota_cutoff_hours} 小时，不能直接退出，"
                          "请发起换班，由其他志愿者接替。")
        return public_shift(_vacate(p, shift, volunteer_id))


def remove(p: Portal, shift_id: str, volunteer_id: str, admin: str) -> dict[str, Any]:
    """The coordinator takes a volunteer off a shift (any time); the volunteer is told."""
    db = p.db
    with db.transaction():
        shift = found(db.table(SHIFTS).get_id(shift_id), NO_SHIFT)
        if volunteer_id not in shift["volunteers"]:
            raise refusal("not_on_shift", "这位志愿者不在这个班次中。")
        updated = _vacate(p, shift, volunteer_id)
        audit.record(db, admin, "shift.remove", f"{SHIFTS}/{shift_id}", volunteer=volunteer_id)
        notify.to_volunteer(p, volunteer_id, "shift.reminder", "热线值班有变动",
                            f"热线值班协调人已把您从 {notify.when(shift)} 的值班中移出。")
        return public_shift(updated)


def no_show(p: Portal, shift_id: str, volunteer_id: str, admin: str) -> dict[str, Any]:
    """Record that a volunteer did not serve a shift that has started."""
    db = p.db
    with db.transaction():
        shift = found(db.table(SHIFTS).get_id(shift_id), NO_SHIFT)
        if volunteer_id not in shift["volunteers"]:
            raise refusal("not_on_shift", "这位志愿者不在这个班次中。")
        if span(shift)[0] > clock.now():
            raise refusal("shift_not_started", "班次开始后才能记录缺勤。")
        if volunteer_id in shift["no_shows"]:
            return public_shift(shift)
        db.table(SHIFTS).update_id(shift_id, {"no_shows": [*shift["no_shows"], volunteer_id]})
        db.table(NO_SHOWS).insert({"id": new_id(), "volunteer_id": volunteer_id,
                                   "shift_id": shift_id, "at": clock.iso(clock.now()),
                                   "by": admin, "lifted_at": None})
        audit.record(db, admin, "shift.no_show", f"{SHIFTS}/{shift_id}", volunteer=volunteer_id)
        return public_shift(found(db.table(SHIFTS).get_id(shift_id)))


def lift(p: Portal, volunteer_id: str, admin: str) -> int:
    """Lift the no-show block: the no-shows so far stop counting; how many were live."""
    db = p.db
    with db.transaction():
        found(db.table(VOLUNTEERS).get_id(volunteer_id), NO_VOLUNTEER)
        live = [n for n in db.table(NO_SHOWS).find(volunteer_id=volunteer_id)
                if not n["lifted_at"]]
        for n in live:
            db.table(NO_SHOWS).update_id(n["id"], {"lifted_at": clock.iso(clock.now())})
        audit.record(db, admin, "rota.lift", f"{VOLUNTEERS}/{volunteer_id}", count=len(live))
        return len(live)

