"""The me domain's own table: private calendar feed tokens (table `me_feeds`).

Feed: {id, volunteer_id, token_hash, created_at, revoked_at}. A feed token is a separate,
long-lived kind of token (a calendar app polls the address for months, so it cannot be the
personal link, which a new link revokes and which turns into a session): 32 random bytes, only
its SHA-256 stored, shown once when made. Making a new one, the volunteer's "stop" button, and
staff revoking the volunteer's links all end it.
"""

from __future__ import annotations

import secrets
from typing import Any

from forms_api import clock
from forms_api.storage import Database, new_id
from forms_api.web.personal import token_hash

FEEDS = "me_feeds"


def mint_feed(db: Database, volunteer_id: str) -> str:
    """A new feed token; earlier ones stop (call in a transaction)."""
    revoke_feeds(db, volunteer_id)
    token = secrets.token_urlsafe(32)
    db.table(FEEDS).insert({"id": new_id(), "volunteer_id": volunteer_id,
                            "token_hash": token_hash(token),
                            "created_at": clock.iso(clock.now()), "revoked_at": None})
    return token


def revoke_feeds(db: Database, volunteer_id: str) -> int:
    count = 0
    for feed in db.table(FEEDS).find(volunteer_id=volunteer_id):
        if feed.get("revoked_at") is None:
            db.table(FEEDS).update_id(feed["id"], {"revoked_at": clock.iso(clock.now())})
            count += 1
    return count


def feed_owner(db: Database, token: str) -> str | None:
    """The volunteer whose live feed this token is."""
    if not 20 <= len(token) <= 100:
        return None
    found = db.table(FEEDS).find(token_hash=token_hash(token))
    live = [f for f in found if f.get("revoked_at") is None]
    return str(live[0]["volunteer_id"]) if live else None


def live_feed(db: Database, volunteer_id: str) -> dict[str, Any] | None:
    return next((f for f in db.table(FEEDS).find(volunteer_id=volunteer_id)
                 if f.get("revoked_at") is None), None)
