"""`portal backup` and `portal restore FILE`."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms_api.cli import main
from forms_api.storage import Database


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("PORTAL_DATA_DIR", str(path))
    return path


def test_backup_while_serving_then_restore(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = Database.open(data_dir)  # the server holds the directory
    kept = db.table("attendance").insert({"name": "陈老师"})
    assert main(["backup", "--keep", "2"]) == 0
    (backup,) = (data_dir / "backups").iterdir()
    assert str(backup) in capsys.readouterr().out
    db.table("attendance").insert({"name": "after the backup"})

    assert main(["restore", str(backup)]) == 1  # refused while the server runs
    assert "stop that process" in capsys.readouterr().err
    db.close()

    assert main(["restore", str(backup)]) == 0
    assert "kept in" in capsys.readouterr().out
    db = Database.open(data_dir)
    assert [d["id"] for d in db.table("attendance").all()] == [kept]
    db.close()


def test_backup_errors_are_one_line(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backup"]) == 1
    assert "no portal database" in capsys.readouterr().err
    Database.open(data_dir).close()
    assert main(["backup", "--keep", "0"]) == 1
    assert "keep must be at least 1" in capsys.readouterr().err
    assert main(["restore", str(data_dir / "missing.jsonl")]) == 1
    assert "no backup file" in capsys.readouterr().err
