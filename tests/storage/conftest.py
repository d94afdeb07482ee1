"""Storage fixtures: ``db`` is the storage contract's database, once per backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from forms_api.storage import Database, JournalDatabase
from forms_api.storage.postgres import PgDatabase
from tests.pgcluster import Cluster


@pytest.fixture(params=["memory", "file", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    database: Database
    if request.param == "postgresql":
        cluster: Cluster = request.getfixturevalue("pg_cluster")
        database = PgDatabase.connect(cluster.new_database())
    elif request.param == "memory":
        database = Database.memory()
    else:
        database = Database.open(tmp_path / "data")
    yield database
    database.close()


@pytest.fixture(params=["memory", "file"])
def journal_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JournalDatabase]:
    """The embedded journal only: TinyDB's query API, files, compaction."""
    database = (JournalDatabase.memory() if request.param == "memory"
                else JournalDatabase.open(tmp_path / "data"))
    yield database
    database.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"
