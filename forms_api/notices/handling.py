"""What staff do with the outbox: list it, retry a failed notice, pass one on by hand.

With no channel that reaches a person (none configured, or a school with only a landline)
a notice stays `waiting`: staff read its text and link on the console, tell the person, and
mark it `handed` (已通知). Showing a personal link mints a new one (the older ones stop
working) and is audited; the token is shown once and never stored.
"""

from __future__ import annotations

from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.errors import ApiError, found
from forms_api.notices.outbox import OUTBOX
from forms_api.storage import Database
from forms_api.web import personal

NOT_FOUND = "找不到这条通知。"
#: The channel shown for a notice that staff passed on themselves.
MANUAL = "manual"


def notices(db: Database, status: str | None) -> list[dict[str, Any]]:
    """Every notice (with `status`, when given), newest first."""
    table = db.table(OUTBOX)
    found_rows = table.find(status=status) if status else table.all()
    return sorted(found_rows, key=lambda n: (n["created_at"], n["id"]), reverse=True)


def channel_of(notice: dict[str, Any]) -> str | None:
    """The channels tried, joined by `+` (`email+webhook`), `manual`, or None (none yet)."""
    if notice["status"] == "handed":
        return MANUAL
    names = sorted(notice.get("channels") or {})
    return "+".join(names) or None


def last_error(notice: dict[str, Any]) -> str | None:
    errors = [s.get("error") for s in (notice.get("channels") or {}).values() if s.get("error")]
    return "；".join(errors) or None


def item(notice: dict[str, Any]) -> dict[str, Any]:
    """A notice as the admin API lists it: never its text or a personal link."""
    channels = {name: {k: state.get(k) for k in ("status", "attempts", "at", "error")}
                for name, state in (notice.get("channels") or {}).items()}
    return {"id": notice["id"], "event": notice["event"], "channel": channel_of(notice),
            "to": notice["to"], "status": notice["status"], "attempts": notice["attempts"],
            "created_at": notice["created_at"], "sent_at": notice.get("sent_at"),
            "subject": notice.get("subject"), "error": last_error(notice),
            "channels": channels}


def counts(db: Database) -> dict[str, Any]:
    """The overview's tile: notices waiting and failed."""
    table = db.table(OUTBOX)
    return {"waiting": table.count(status="waiting"), "failed": table.count(status="failed")}


def retry(db: Database, notice_id: str, admin: str) -> dict[str, Any]:
    """Send a failed notice again: its failed channels start their attempts afresh."""
    with db.transaction():
        notice = found(db.table(OUTBOX).get_id(notice_id), NOT_FOUND)
        if notice["status"] != "failed":
            raise ApiError(409, "invalid_transition", "只有发送失败的通知可以重新发送。")
        now = clock.iso(clock.now())
        channels = {name: ({**state, "status": "retry", "attempts": 0, "next_at": now}
                           if state.get("status") == "failed" else state)
                    for name, state in notice["channels"].items()}
        updated = db.table(OUTBOX).update_id(notice_id, {
            "status": "waiting", "channels": channels, "next_attempt_at": now})
        audit.record(db, admin, "outbox.retry", f"{OUTBOX}/{notice_id}")
    assert updated is not None
    return updated


def hand(db: Database, notice_id: str, admin: str) -> dict[str, Any]:
    """Staff told the person themselves: 已通知."""
    with db.transaction():
        notice = found(db.table(OUTBOX).get_id(notice_id), NOT_FOUND)
        if notice["status"] not in ("waiting", "failed"):
            raise ApiError(409, "invalid_transition", "这条通知已经发出或已标记为已通知。")
        updated = db.table(OUTBOX).update_id(notice_id, {
            "status": "handed", "handed_by": admin, "handed_at": clock.iso(clock.now())})
        audit.record(db, admin, "outbox.handed", f"{OUTBOX}/{notice_id}",
                     **{"from": notice["status"]})
    assert updated is not None
    return updated


def link_to_pass_on(db: Database, notice_id: str, admin: str, base: str,
                    mint: bool = False) -> str | None:
    """The notice's link for staff to pass on; a personal one only when `mint` (audited)."""
    notice = found(db.table(OUTBOX).get_id(notice_id), NOT_FOUND)
    link = notice.get("link")
    if not link:
        return None
    if not isinstance(link, dict):
        return f"{base}{link}"
    if not mint:
        return None
    if notice["status"] not in ("waiting", "failed"):
        raise ApiError(409, "invalid_transition", "只有等待发送或发送失败的通知可以生成链接。")
    target = link["personal"]
    with db.transaction():
        token = personal.mint(db, target["kind"], target["id"])
        audit.record(db, admin, "outbox.link", f"{OUTBOX}/{notice_id}", kind=target["kind"])
    return f"{base}/me/?t={token}"
