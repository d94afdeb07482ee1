"""The signed fill-time token a rendered form carries (`form_token`).

`<issued unix seconds>.<random nonce>.<HMAC-SHA256>`: the server signs it when it serves a form
page, and on submission it tells how long the form was open. The nonce doubles as the form's
idempotency key, so a double-click or a retried POST finds the first record.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from forms_api.storage import Database

SECRET_FILE = "form-secret"
#: On a shared database (PostgreSQL) the key lives there, so every instance signs with it.
SECRETS = "portal_secrets"
FORM_SECRET_ID = "form-secret"
MAX_AGE = 7 * 24 * 3600


def load_secret(data_dir: Path) -> bytes:
    """The signing key kept in the data directory; created (mode 0600) on first use."""
    # The first thing written into a new data directory: create it private (as the database does).
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = data_dir / SECRET_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    secret = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secret.hex())
    return secret


def load_shared_secret(db: Database) -> bytes:
    """The signing key kept in a shared database; the first instance to start creates it."""
    table = db.table(SECRETS)
    with db.transaction():
        found = table.get_id(FORM_SECRET_ID)
        if found is None:
            found = {"id": FORM_SECRET_ID, "hex": secrets.token_bytes(32).hex()}
            table.insert(found)
    return bytes.fromhex(str(found["hex"]))


def _sign(secret: bytes, payload: str) -> str:
    digest = hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode("ascii")


@dataclass(frozen=True)
class FillToken:
    issued: float
    nonce: str

    def age(self, at: float | None = None) -> float:
        return (time.time() if at is None else at) - self.issued


def issue(secret: bytes, at: float | None = None) -> str:
    """A fresh token for a form being served now."""
    payload = f"{int(time.time() if at is None else at)}.{secrets.token_urlsafe(12)}"
    return f"{payload}.{_sign(secret, payload)}"


def verify(secret: bytes, token: str | None) -> FillToken | None:
    """The token's time and nonce if its signature holds and it is under a week old."""
    if not token or len(token) > 200:
        return None
    issued, _, rest = token.partition(".")
    nonce, _, signature = rest.rpartition(".")
    if not issued.isdigit() or not nonce or not hmac.compare_digest(
            _sign(secret, f"{issued}.{nonce}"), signature):
        return None
    found = FillToken(float(issued), nonce)
    return found if -60 <= found.age() <= MAX_AGE else None
