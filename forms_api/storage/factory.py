"""``open_database(settings)``: the embedded journal, or PostgreSQL when a URL is set."""

from __future__ import annotations

from collections.abc import Sequence

from forms_api.settings import Settings
from forms_api.storage.database import Database
from forms_api.storage.migrations import Migration
from forms_api.storage.postgres import PgDatabase


def open_database(settings: Settings, *, migrations: Sequence[Migration] | None = None
                  ) -> Database:
    """``PORTAL_DATABASE_URL`` set: connect to PostgreSQL; unset: open ``PORTAL_DATA_DIR``."""
    if settings.database_url:
        return PgDatabase.connect(settings.database_url, migrations=migrations)
    return Database.open(settings.data_dir, migrations=migrations)
