"""Helpers of the storage tests."""

from __future__ import annotations

from pathlib import Path

from forms_api.storage import Database
from forms_api.storage.postgres import PgDatabase


def reopen(db: Database) -> Database:
    """The same database after a restart (memory databases have nothing to restart)."""
    if isinstance(db, PgDatabase):
        url = db._url
        db.close()
        return PgDatabase.connect(url)
    if db.data_dir is None:
        return db
    db.close()
    return Database.open(db.data_dir)


def journal_bytes(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(data_dir.glob("portal.journal.*")))
