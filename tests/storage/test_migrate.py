"""`portal migrate --to postgresql://…`: a data directory copied whole, verified, never twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms_api.cli import main
from forms_api.storage import Database
from forms_api.storage import migrate as migrate_module
from forms_api.storage.postgres import PgDatabase
from tests.pgcluster import Cluster


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("PORTAL_DATA_DIR", str(path))
    return path


def fill(data_dir: Path) -> dict[str, list[dict[str, object]]]:
    db = Database.open(data_dir)
    attendance = db.table("attendance")
    ids = [attendance.insert({"name": f"王老师{n}", "phone": f"1380000{n:04d}",
                              "tags": ["心理委员", n], "detail": {"hours": 1.5, "ok": True}})
           for n in range(300)]
    attendance.remove_id(ids[7])
    attendance.update_id(ids[3], {"name": "改过的名字"})
    db.table("bookings").insert({"school": "第一中学", "note": None})
    db.table("emptied").insert({"n": 1})
    db.table("emptied").truncate()
    expected = {name: db.table(name).all() for name in db.collections()}
    db.close()
    return expected


def test_migrate_copies_everything_in_order_with_the_schema_version(
    data_dir: Path, pg_cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = fill(data_dir)
    url = pg_cluster.new_database()
    assert main(["migrate", "--to", url]) == 0
    out = capsys.readouterr().out
    assert "attendance: 299 documents" in out and "checksums match" in out
    assert "postgres@" not in out  # the URL (and any password in it) is not printed
    db = PgDatabase.connect(url)
    for name, docs in expected.items():
        assert db.table(name).all() == docs, name  # same documents, same order
    assert db.schema_version() == Database.memory().schema_version() >= 1
    db.close()

    assert main(["migrate", "--to", url]) == 1  # a second copy would duplicate: refused
    assert "already holds portal data" in capsys.readouterr().err


def test_migrate_refuses_while_a_server_holds_the_directory(
    data_dir: Path, pg_cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(data_dir)
    url = pg_cluster.new_database()
    server = Database.open(data_dir)
    try:
        assert main(["migrate", "--to", url]) == 1
        assert "stop that process" in capsys.readouterr().err
    finally:
        server.close()
    assert main(["migrate", "--to", "sqlite:///x.db"]) == 2


def test_a_copy_that_does_not_verify_leaves_the_target_empty(
    data_dir: Path, pg_cluster: Cluster, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fill(data_dir)
    url = pg_cluster.new_database()
    real = migrate_module.read_back

    def lossy(target: PgDatabase, collection: str) -> list[dict[str, object]]:
        return real(target, collection)[1:]  # as if a row had gone missing on the way

    monkeypatch.setattr(migrate_module, "read_back", lossy)
    assert main(["migrate", "--to", url]) == 1
    assert "does not match" in capsys.readouterr().err
    monkeypatch.undo()
    db = PgDatabase.connect(url, migrations=[])
    assert db.collections() == []  # rolled back whole
    db.close()
    assert main(["migrate", "--to", url]) == 0  # and the target can still take the copy
