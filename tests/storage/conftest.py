"""Storage fixtures: ``db`` is the storage contract's database, once per backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from forms_api.storage import Database


@pytest.fixture(params=["memory", "file"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    database = Database.memory() if request.param == "memory" else Database.open(tmp_path / "data")
    yield database
    database.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"
