"""Calendar feeds (RFC 5545) of hotline shifts: each volunteer's own, and the coordinator's.

A volunteer's feed is opened by a secret address `/api/rota/feed/<token>.ics` (32 random bytes;
only the token's SHA-256 is stored in `rota_feeds`), minted by staff or by the volunteer on
their own page; minting again or revoking stops the old address. The feed names lines and
times, never a phone number; the coordinator's feed (console or Bearer) adds who is on duty.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from forms_api import clock
from forms_api.rota.records import FEEDS, SHIFTS, hotlines, of_volunteer, span
from forms_api.storage import Database, new_id
from forms_api.volunteers.records import VOLUNTEERS
from forms_api.web.ics import calendar, escape_text, utc

PRODID = "-//xinyu-portal//hotline rota//ZH"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def mint(db: Database, volunteer_id: str) -> str:
    """A new feed token for the volunteer; the old one stops working (call in a transaction)."""
    revoke(db, volunteer_id)
    token = secrets.token_urlsafe(32)
    db.table(FEEDS).insert({"id": new_id(), "volunteer_id": volunteer_id,
                            "token_hash": _hash(token), "created_at": clock.iso(clock.now()),
                            "revoked_at": None})
    return token


def revoke(db: Database, volunteer_id: str) -> int:
    count = 0
    for feed in db.table(FEEDS).find(volunteer_id=volunteer_id):
        if feed["revoked_at"] is None:
            db.table(FEEDS).update_id(feed["id"], {"revoked_at": clock.iso(clock.now())})
            count += 1
    return count


def has_feed(db: Database, volunteer_id: str) -> bool:
    return any(f["revoked_at"] is None for f in db.table(FEEDS).find(volunteer_id=volunteer_id))


def owner(db: Database, token: str) -> str | None:
    """The volunteer whose live feed this token opens."""
    if not 20 <= len(token) <= 100:
        return None
    for feed in db.table(FEEDS).find(token_hash=_hash(token)):
        if feed["revoked_at"] is None:
            volunteer_id: str = feed["volunteer_id"]
            return volunteer_id
    return None


def _event(shift: dict[str, Any], line: str, description: str, stamp: str) -> list[str]:
    starts, ends = span(shift)
    return ["BEGIN:VEVENT", f"UID:shift-{shift['id']}@xinyu-portal", f"DTSTAMP:{stamp}",
            f"DTSTART:{utc(starts)}", f"DTEND:{utc(ends)}",
            f"SUMMARY:{escape_text('热线值班：' + line)}",
            f"DESCRIPTION:{escape_text(description)}", "END:VEVENT"]


def volunteer_feed(db: Database, volunteer_id: str) -> bytes:
    lines = hotlines(db)
    stamp = utc(clock.now())
    events = []
    for shift in of_volunteer(db, volunteer_id):
        line = lines.get(shift["hotline_id"])
        name = line["name"] if line else "热线"
        events.append(_event(shift, name, f"{name}；请按时到岗。", stamp))
    return calendar("我的热线值班", PRODID, events)


def coordinator_feed(db: Database) -> bytes:
    lines = hotlines(db)
    names = {v["id"]: v["name"] for v in db.table(VOLUNTEERS).all()}
    stamp = utc(clock.now())
    events = []
    for shift in sorted(db.table(SHIFTS).find(status="open"), key=lambda s: s["starts_at"]):
        line = lines.get(shift["hotline_id"])
        name = line["name"] if line else "热线"
        who = "、".join(names.get(v, "?") for v in shift["volunteers"]) or "无人"
        events.append(_event(shift, name, f"值班 {len(shift['volunteers'])}/"
                                          f"{shift['min_seats']}：{who}", stamp))
    return calendar("热线值班表", PRODID, events)
