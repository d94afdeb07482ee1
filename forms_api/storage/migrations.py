"""Schema migrations: an ordered list, the version stored in ``_meta``, each run once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from forms_api.storage.errors import StorageError

if TYPE_CHECKING:
    from forms_api.storage.database import Database

logger = logging.getLogger("forms_api.storage")

Migration = Callable[["Database"], None]


def migrate(db: Database, migrations: Sequence[Migration]) -> None:
    """Run the migrations ``db`` has not seen, each in one transaction with its version bump."""
    version = db.schema_version()
    if version > len(migrations):
        where = f" in {db.data_dir}" if db.data_dir is not None else ""
        raise StorageError(
            f"the database{where} has schema version {version}, newer than "
            f"this portal knows ({len(migrations)}); run a newer portal"
        )
    meta = db.table("_meta")
    for number, migration in enumerate(migrations[version:], start=version + 1):
        with db.transaction():  # the migration and its version bump commit together
            if db.schema_version() >= number:  # another instance ran it while we waited
                continue
            migration(db)
            if meta.update_id("schema", {"version": number}) is None:
                meta.insert({"id": "schema", "version": number})
        logger.info("database schema migrated to version %d", number)


def _m001_schema_version(db: Database) -> None:
    """Version 1: the schema version is kept in the ``_meta`` table."""


#: Ordered schema migrations; the database stores how many have run. Append, never reorder.
MIGRATIONS: list[Migration] = [_m001_schema_version]
