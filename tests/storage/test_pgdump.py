"""`portal backup`/`restore` with PORTAL_DATABASE_URL: pg_dump/pg_restore on a real cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms_api.cli import main
from forms_api.storage.postgres import PgDatabase
from tests.pgcluster import Cluster


@pytest.fixture
def url(pg_cluster: Cluster, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    found = pg_cluster.new_database()
    monkeypatch.setenv("PORTAL_DATABASE_URL", found)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTAL_PG_BINDIR", str(pg_cluster.bindir))
    return found


def test_backup_then_restore_brings_back_exactly_what_was_dumped(
        url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = PgDatabase.connect(url)
    t = db.table("t")
    kept = [t.insert({"n": i, "name": "王芳\x00"}) for i in range(3)]
    dest = tmp_path / "dumps"
    assert main(["backup", "--dest", str(dest), "--keep", "2"]) == 0
    [dumped] = list(dest.glob("portal-*.dump"))
    assert dumped.stat().st_mode & 0o077 == 0 and dumped.read_bytes().startswith(b"PGDMP")
    t.remove_id(kept[0])
    t.insert({"n": 99})
    assert main(["restore", str(dumped)]) == 0
    assert [d["id"] for d in t.all()] == kept and t.get_id(kept[0]) == {
        "id": kept[0], "n": 0, "name": "王芳\x00"}
    assert not (tmp_path / "data").exists()  # nothing went into an embedded data directory
    for _ in range(2):
        assert main(["backup", "--dest", str(dest), "--keep", "2"]) == 0
    assert len(list(dest.glob("portal-*.dump"))) == 2
    assert "postgresql://" not in capsys.readouterr().out
    db.close()


def test_a_missing_or_broken_dump_is_refused_and_nothing_changes(
        url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = PgDatabase.connect(url)
    db.table("t").insert({"n": 1})
    assert main(["restore", str(tmp_path / "nope.dump")]) == 1
    broken = tmp_path / "broken.dump"
    broken.write_bytes(b"PGDMP not really")
    assert main(["restore", str(broken)]) == 1
    assert "Restore failed" in capsys.readouterr().err
    assert [d["n"] for d in db.table("t").all()] == [1]
    db.close()
