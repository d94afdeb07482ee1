"""Swaps: after the cut-off a volunteer offers the shift, another eligible one accepts, the
coordinator approves (or approval is off: `PORTAL_ROTA_SWAP_APPROVAL`), everyone is told.

Moves: offered → accepted → approved; offered | accepted → withdrawn (by the offerer) or
declined (by the coordinator). The taker is checked by the same rules as a take, with the
offerer's seat counted as free, again when the coordinator approves.
"""

from __future__ import annotations

from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.errors import found
from forms_api.rota import notify
from forms_api.rota.lines import NO_SHIFT
from forms_api.rota.records import OPEN_SWAPS, SHIFTS, SWAPS, open_swaps, span
from forms_api.rota.rules import refusal, refusals
from forms_api.storage import new_id
from forms_api.web.context import Portal

NO_SWAP = "找不到这个换班申请。"


def _set(p: Portal, swap: dict[str, Any], **changes: Any) -> dict[str, Any]:
    updated = p.db.table(SWAPS).update_id(swap["id"], {**changes,
                                                       "updated_at": clock.iso(clock.now())})
    assert updated is not None
    return updated


def offer(p: Portal, shift_id: str, volunteer_id: str) -> dict[str, Any]:
    db = p.db
    with db.transaction():
        shift = found(db.table(SHIFTS).get_id(shift_id), NO_SHIFT)
        if volunteer_id not in shift["volunteers"]:
            raise refusal("not_on_shift", "您不在这个班次中。")
        if span(shift)[0] <= clock.now():
            raise refusal("shift_started", "班次已经开始，不能再换班。")
        for swap in open_swaps(db, shift_id):
            if swap["from_id"] == volunteer_id:
                return swap
        now = clock.iso(clock.now())
        swap = {"id": new_id(), "shift_id": shift_id, "from_id": volunteer_id, "to_id": None,
                "status": "offered", "created_at": now, "updated_at": now}
        db.table(SWAPS).insert(swap)
        notify.to_volunteer(p, volunteer_id, "shift.swap", "换班申请已发出",
                            f"您 {notify.when(shift)} 的热线值班已发出换班申请；"
                            "有人接替并确认之前，请照常到岗。")
        notify.to_coordinator(p, "shift.swap", "有志愿者申请换班",
                              f"{notify.line_name(p, shift)} {notify.when(shift)} 的值班有志愿者申请换班。")
        return swap


def _apply(p: Portal, swap: dict[str, Any], shift: dict[str, Any]) -> dict[str, Any]:
    seats = [swap["to_id"] if v == swap["from_id"] else v for v in shift["volunteers"]]
    p.db.table(SHIFTS).update_id(shift["id"], {"volunteers": seats,
                                               "updated_at": clock.iso(clock.now())})
    done = _set(p, swap, status="approved")
    text = f"{notify.line_name(p, shift)} {notify.when(shift)} 的值班已换班"
    notify.to_volunteer(p, swap["from_id"], "shift.swap", "换班成功",
                        text + "，您无需到岗。")
    notify.to_volunteer(p, swap["to_id"], "shift.swap", "换班成功",
                        text + "，请您按时到岗。")
    return done


def _check_taker(p: Portal, swap: dict[str, Any], shift: dict[str, Any], taker: str) -> None:
    broken = refusals(p.db, p.settings, shift, taker, clock.now(), by_volunteer=True,
                      replacing=swap["from_id"])
    if broken:
        raise broken[0]


def accept(p: Portal, swap_id: str, volunteer_id: str) -> dict[str, Any]:
    """Another volunteer takes over the offered seat (at once if approval is off)."""
    db = p.db
    with db.transaction():
        swap = found(db.table(SWAPS).get_id(swap_id), NO_SWAP)
        if swap["status"] != "offered":
            raise refusal("swap_closed", "这个换班已经有人接替或已结束。")
        if swap["from_id"] == volunteer_id:
            raise refusal("own_swap", "不能接替自己发起的换班。")
        shift = found(db.table(SHIFTS).get_id(swap["shift_id"]), NO_SHIFT)
        _check_taker(p, swap, shift, volunteer_id)
        swap = _set(p, swap, status="accepted", to_id=volunteer_id)
        if not p.settings.rota_swap_approval:
            return _apply(p, swap, shift)
        notify.to_volunteer(p, swap["from_id"], "shift.swap", "有人愿意接替您的值班",
                            f"{notify.when(shift)} 的值班已有志愿者愿意接替，等待协调人确认；"
                            "确认之前请照常到岗。")
        notify.to_coordinator(p, "shift.swap", "换班等待审批",
                              f"{notify.line_name(p, shift)} {notify.when(shift)} 的换班已有人接替，请审批。")
        return swap


def approve(p: Portal, swap_id: str, admin: str) -> dict[str, Any]:
    db = p.db
    with db.transaction():
        swap = found(db.table(SWAPS).get_id(swap_id), NO_SWAP)
        if swap["status"] != "accepted":
            raise refusal("swap_closed", "只有已有人接替的换班才能批准。")
        shift = found(db.table(SHIFTS).get_id(swap["shift_id"]), NO_SHIFT)
        if swap["from_id"] not in shift["volunteers"]:
            raise refusal("swap_closed", "发起人已不在这个班次中。")
        _check_taker(p, swap, shift, swap["to_id"])
        audit.record(db, admin, "shift.swap", f"{SWAPS}/{swap_id}", to="approved")
        return _apply(p, swap, shift)


def decline(p: Portal, swap_id: str, admin: str) -> dict[str, Any]:
    db = p.db
    with db.transaction():
        swap = found(db.table(SWAPS).get_id(swap_id), NO_SWAP)
        if swap["status"] not in OPEN_SWAPS:
            raise refusal("swap_closed", "这个换班已经结束。")
        shift = found(db.table(SHIFTS).get_id(swap["shift_id"]), NO_SHIFT)
        done = _set(p, swap, status="declined")
        audit.record(db, admin, "shift.swap", f"{SWAPS}/{swap_id}", to="declined")
        for vid in filter(None, (swap["from_id"], swap["to_id"])):
            notify.to_volunteer(p, vid, "shift.swap", "换班未获批准",
                                f"{notify.when(shift)} 的换班未获批准，原排班不变。")
        return done


def withdraw(p: Portal, swap_id: str, volunteer_id: str) -> dict[str, Any]:
    db = p.db
    with db.transaction():
        swap = found(db.table(SWAPS).get_id(swap_id), NO_SWAP)
        if swap["from_id"] != volunteer_id:
            raise refusal("not_on_shift", "只有发起人才能撤回换班。")
        if swap["status"] not in OPEN_SWAPS:
            raise refusal("swap_closed", "这个换班已经结束。")
        return _set(p, swap, status="withdrawn")

