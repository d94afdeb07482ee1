"""A booking's history (`history` on the record): what happened to the visit, in plain words.

Entry: {at, event, by (`school` | `bureau` | `expert`), reason?, date?, time_slot?}. Events:
`requested`, `confirmed`, `changed` (a new date, slot or expert after confirming), `declined`,
`cancelled`, `completed`, `reassign` (the expert's data was deleted or the expert withdrew).
Offers to experts are the bureau's own business and stay out of the school's view. A booking
stored before histories existed shows its request from `created_at`.
"""

from __future__ import annotations

from typing import Any

from forms_api import clock

EVENTS: dict[str, str] = {
    "requested": "学校提交了预约", "confirmed": "教育局确认了安排", "changed": "安排有变更",
    "declined": "教育局未能安排", "cancelled": "预约已取消", "completed": "进校活动已完成",
    "reassign": "原定专家无法前往，教育局将另行安排专家",
}
SLOT_NAMES = {"morning": "上午", "afternoon": "下午"}


def entry(booking: dict[str, Any], event: str, by: str, **detail: Any) -> list[dict[str, Any]]:
    """The booking's history with one more entry (a new list: records are never mutated)."""
    if event not in EVENTS:
        raise ValueError(f"unknown booking history event {event!r}")
    item = {"at": clock.iso(clock.now()), "event": event, "by": by,
            **{k: v for k, v in detail.items() if v is not None}}
    return [*past(booking), item]


def past(booking: dict[str, Any]) -> list[dict[str, Any]]:
    """The stored history, or the request alone for a booking stored before histories."""
    stored = booking.get("history")
    if stored:
        return list(stored)
    return [{"at": booking.get("created_at"), "event": "requested", "by": "school"}]


def move_event(before: dict[str, Any], status: str, changes: dict[str, Any]) -> str:
    """The history event of a status change made by the bureau."""
    if status == "confirmed" and before["status"] == "confirmed":
        return "changed"
    return status


def plain(booking: dict[str, Any]) -> list[dict[str, str]]:
    """The history as the school reads it: time and one sentence each."""
    lines = []
    for item in past(booking):
        text = EVENTS.get(item.get("event", ""), "")
        if not text:
            continue
        if item.get("date"):
            text += f"：{item['date']} {SLOT_NAMES.get(item.get('time_slot') or '', '')}".rstrip()
        if item.get("reason"):
            text += f"（说明：{item['reason']}）"
        if item.get("event") == "cancelled":
            text = ("学校取消了预约" if item.get("by") == "school" else "教育局代学校取消了预约") + (
                f"（原因：{item['reason']}）" if item.get("reason") else "")
        lines.append({"at": str(item.get("at") or ""), "text": text})
    return lines
