"""Admin accounts (table `admins`): each has its own token, and only the token's hash is kept.

Record: {id, name, token_hash, created_at, created_by}. A token is 32 random bytes (256 bits)
in URL-safe base64 behind a `pa_` prefix; it is shown once, when it is made. SHA-256 is enough
to store it: unlike a password, a 256-bit random token cannot be guessed from its hash.

The bootstrap admin is not stored: `PORTAL_ADMIN_TOKEN` is compared with what is presented.
The server keeps every account in memory (`Accounts`). It is the data directory's only writer
(`portal admin …` asks it to make changes, see `forms_api.admin.control`), so its copy is never
stale, and checking a token costs no I/O on the event loop.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from forms_api import clock
from forms_api.storage import Database, new_id

TABLE = "admins"
BOOTSTRAP_NAME = "bootstrap"
TOKEN_PREFIX = "pa_"
NAME_PATTERN = re.compile(r"\w[\w.@\-]{0,39}")


class AccountError(ValueError):
    """A request about accounts that cannot be done (bad or taken name, unknown admin)."""


@dataclass(frozen=True)
class Admin:
    id: str
    name: str


BOOTSTRAP = Admin(BOOTSTRAP_NAME, BOOTSTRAP_NAME)


def new_token() -> str:
    """A fresh admin token: 256 random bits."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    name = name.strip()
    if not NAME_PATTERN.fullmatch(name):
        raise AccountError(f"admin name {name!r} must be 1-40 letters, digits, '.', '@', '-' or "
                           f"'_', starting with a letter or digit")
    if name == BOOTSTRAP_NAME:
        raise AccountError(f"{BOOTSTRAP_NAME!r} is the PORTAL_ADMIN_TOKEN admin; choose another")
    return name


def list_admins(db: Database) -> list[dict[str, Any]]:
    """Every stored admin without its hash, oldest first."""
    found = sorted(db.table(TABLE).all(), key=lambda a: (a["created_at"], a["id"]))
    return [{k: a.get(k) for k in ("id", "name", "created_at", "created_by")} for a in found]


def add_admin(db: Database, name: str, hashed: str, by: str) -> dict[str, Any]:
    """Store a new admin whose token hashes to `hashed`; the name must be free."""
    name = check_name(name)
    if not re.fullmatch(r"[0-9a-f]{64}", hashed):
        raise AccountError("token_hash must be a SHA-256 hex digest")
    table = db.table(TABLE)
    with db.transaction():
        if table.find(name=name):
            raise AccountError(f"an admin named {name!r} already exists")
        record = {"id": new_id(), "name": name, "token_hash": hashed,
                  "created_at": clock.iso(clock.now()), "created_by": by}
        table.insert(record)
    return {k: record[k] for k in ("id", "name", "created_at", "created_by")}


def remove_admin(db: Database, name: str) -> dict[str, Any]:
    """Delete the admin `name`; its token stops working at once."""
    table = db.table(TABLE)
    with db.transaction():
        found = table.find(name=name.strip())
        if not found:
            raise AccountError(f"there is no admin named {name!r}")
        table.remove_id(found[0]["id"])
    return {k: found[0][k] for k in ("id", "name")}


class Accounts:
    """The server's in-memory view of every admin: token hash -> admin."""

    def __init__(self, bootstrap_token: str | None) -> None:
        self._bootstrap = token_hash(bootstrap_token) if bootstrap_token else None
        self._by_hash: dict[str, Admin] = {}
        self._ids: set[str] = set()
        self._lock = threading.Lock()

    def load(self, db: Database) -> None:
        """Read the `admins` table (at start-up, and after every change)."""
        rows = db.table(TABLE).all()
        with self._lock:
            self._by_hash = {r["token_hash"]: Admin(r["id"], r["name"]) for r in rows}
            self._ids = {r["id"] for r in rows}

    def authenticate(self, token: str | None) -> Admin | None:
        if not token or len(token) > 200:
            return None
        hashed = token_hash(token)
        if self._bootstrap is not None and hmac.compare_digest(hashed, self._bootstrap):
            return BOOTSTRAP
        with self._lock:
            return self._by_hash.get(hashed)

    def active(self, admin: Admin) -> bool:
        """Whether `admin` may still act (not removed; the bootstrap token still configured)."""
        if admin == BOOTSTRAP:
            return self._bootstrap is not None
        with self._lock:
            return admin.id in self._ids
