"""Schema migrations: run once, in order, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms_api.storage import (
    Database,
    StorageError,
)


def test_migrations_run_once_in_order(data_dir: Path) -> None:
    calls: list[str] = []

    def first(db: Database) -> None:
        calls.append("first")

    def second(db: Database) -> None:
        calls.append("second")
        db.table("settings").insert({"id": "rate_limit", "value": 10})

    db = Database.open(data_dir, migrations=[first])
    assert db.schema_version() == 1
    db.close()
    db = Database.open(data_dir, migrations=[first, second])
    db.close()
    db = Database.open(data_dir, migrations=[first, second])
    assert calls == ["first", "second"]
    assert db.schema_version() == 2
    assert db.table("settings").get_id("rate_limit") == {"id": "rate_limit", "value": 10}
    db.close()
    with pytest.raises(StorageError, match="newer"):
        Database.open(data_dir, migrations=[first])


def test_a_failing_migration_changes_nothing(data_dir: Path) -> None:
    def broken(db: Database) -> None:
        db.table("t").insert({"half": "done"})
        raise RuntimeError("migration bug")

    with pytest.raises(RuntimeError):
        Database.open(data_dir, migrations=[lambda db: None, broken])
    db = Database.open(data_dir, migrations=[lambda db: None])
    assert db.schema_version() == 1
    assert db.table("t").all() == []
    db.close()


def test_memory_database_runs_the_default_migrations() -> None:
    db = Database.memory()
    assert db.schema_version() >= 1
    db.close()
    with pytest.raises(StorageError, match="closed"):
        db.table("t").insert({"n": 1})
