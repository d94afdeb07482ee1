"""Files on disk: restarts, the directory lock, damaged files, backup and restore."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from forms_api.storage import (
    SNAPSHOT_FILE,
    Database,
    DatabaseDamaged,
    DatabaseLocked,
    StorageError,
    backup_data_dir,
    restore_data_dir,
)
from tests.storage.support import journal_bytes

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- files


def test_data_survives_a_restart_as_utf8(data_dir: Path) -> None:
    db = Database.open(data_dir)
    record_id = db.table("t").insert({"name": "心育驿站"})
    db.close()
    assert "心育驿站".encode() in journal_bytes(data_dir)
    db = Database.open(data_dir)
    assert db.table("t").get_id(record_id) == {"name": "心育驿站", "id": record_id}
    db.close()


# ---------------------------------------------------------------- locking and damage


def test_a_second_open_of_the_same_directory_is_refused(data_dir: Path) -> None:
    db = Database.open(data_dir)
    with pytest.raises(DatabaseLocked, match=str(data_dir)):
        Database.open(data_dir)
    db.close()
    Database.open(data_dir).close()


def test_a_second_process_is_refused(data_dir: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from forms_api.storage import Database; "
            "db = Database.open(sys.argv[1]); db.table('t').insert({'n': 1}); "
            "print('open', flush=True); sys.stdin.read()",
            str(data_dir),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        with pytest.raises(DatabaseLocked) as refused:
            Database.open(data_dir)
        assert str(data_dir) in str(refused.value) and f"pid {holder.pid}" in str(refused.value)
        backup = backup_data_dir(data_dir, data_dir.parent / "backups")  # needs no lock
        with pytest.raises(DatabaseLocked):
            restore_data_dir(data_dir, backup)
    finally:
        holder.communicate("")
    Database.open(data_dir).close()


def damage(path: Path, offset: int, garbage: bytes) -> None:
    data = bytearray(path.read_bytes())
    data[offset : offset + len(garbage)] = garbage
    path.write_bytes(bytes(data))


def make_data(data_dir: Path, count: int = 5) -> list[str]:
    db = Database.open(data_dir)
    ids = [db.table("t").insert({"n": n, "name": "李老师"}) for n in range(count)]
    db.close()
    return ids


def test_a_damaged_journal_is_refused_and_left_alone(data_dir: Path) -> None:
    make_data(data_dir)
    journal = data_dir / "portal.journal.000001"
    damage(journal, 60, b"\x00garbage")
    before = journal.read_bytes()
    with pytest.raises(DatabaseDamaged) as refused:
        Database.open(data_dir)
    message = str(refused.value)
    assert "portal.journal.000001 line" in message and "portal restore" in message
    assert journal.read_bytes() == before


def test_a_damaged_snapshot_is_refused(data_dir: Path) -> None:
    make_data(data_dir)
    db = Database.open(data_dir)
    db.compact()
    db.close()
    snapshot = data_dir / SNAPSHOT_FILE
    good = snapshot.read_bytes()
    damage(snapshot, snapshot.stat().st_size // 2, b"{{{")
    with pytest.raises(DatabaseDamaged, match="portal.snapshot line"):
        Database.open(data_dir)
    snapshot.write_bytes(good[:-10])
    with pytest.raises(DatabaseDamaged, match="incomplete"):
        Database.open(data_dir)


def test_a_missing_journal_is_refused(data_dir: Path) -> None:
    make_data(data_dir)
    (data_dir / "portal.journal.000001").rename(data_dir / "portal.journal.000002")
    with pytest.raises(DatabaseDamaged, match="missing"):
        Database.open(data_dir)


def test_a_torn_last_line_is_dropped(data_dir: Path) -> None:
    ids = make_data(data_dir)
    journal = data_dir / "portal.journal.000001"
    with journal.open("ab") as f:
        f.write(b'[99,[["p","t",77,{"id":"torn","na')
    db = Database.open(data_dir)
    assert [d["id"] for d in db.table("t").all()] == ids
    later = db.table("t").insert({"n": "later"})
    db.close()
    db = Database.open(data_dir)
    assert [d["id"] for d in db.table("t").all()] == [*ids, later]
    db.close()


# ---------------------------------------------------------------- backup and restore


def test_backup_and_restore_round_trip(data_dir: Path, tmp_path: Path) -> None:
    db = Database.open(data_dir)
    t = db.table("volunteers")
    kept = [t.insert({"name": "赵医生", "n": n}) for n in range(20)]
    backup = db.backup(tmp_path / "backups")
    assert backup.name.startswith("portal-backup-") and backup.suffix == ".jsonl"
    t.insert({"name": "after the backup"})
    t.remove_id(kept[0])
    db.close()

    aside = restore_data_dir(data_dir, backup)
    assert aside is not None and aside.parent == data_dir
    assert sorted(p.name for p in aside.iterdir()) == ["portal.journal.000001"]
    db = Database.open(data_dir)
    assert [d["id"] for d in db.table("volunteers").all()] == kept
    assert db.schema_version() >= 1
    new = db.table("volunteers").insert({"name": "after the restore"})
    db.close()
    db = Database.open(data_dir)
    assert [d["id"] for d in db.table("volunteers").all()] == [*kept, new]
    db.close()


def test_backup_and_compact_refuse_uncommitted_changes(data_dir: Path, tmp_path: Path) -> None:
    db = Database.open(data_dir)
    with db.transaction():
        db.backup(tmp_path / "backups")  # nothing changed yet: fine
        db.table("t").insert({"n": 1})
        with pytest.raises(StorageError, match="uncommitted"):
            db.backup(tmp_path / "backups")
        with pytest.raises(StorageError, match="inside a transaction"):
            db.compact()
    assert len(db.table("t")) == 1
    db.close()


def test_backup_rotation_keeps_the_newest(db: Database, tmp_path: Path) -> None:
    db.table("t").insert({"n": 1})
    made = [db.backup(tmp_path / "backups", keep=3) for _ in range(5)]
    assert sorted((tmp_path / "backups").iterdir()) == made[-3:]
    with pytest.raises(ValueError, match="keep"):
        db.backup(tmp_path / "backups", keep=0)


def test_backup_of_a_directory_in_use(data_dir: Path, tmp_path: Path) -> None:
    db = Database.open(data_dir)
    t = db.table("t")
    ids = [t.insert({"n": n}) for n in range(30)]
    db.compact()
    ids += [t.insert({"n": n}) for n in range(30, 40)]
    backup = backup_data_dir(data_dir, tmp_path / "backups")
    db.close()
    other = tmp_path / "restored"
    restore_data_dir(other, backup)
    db = Database.open(other)
    assert [d["id"] for d in db.table("t").all()] == ids
    db.close()


def test_backup_of_a_missing_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no portal database"):
        backup_data_dir(tmp_path / "nothing", tmp_path / "backups")
    (tmp_path / "empty").mkdir()
    with pytest.raises(StorageError, match="no portal database"):
        backup_data_dir(tmp_path / "empty", tmp_path / "backups")


def test_restore_refuses_a_bad_backup(data_dir: Path, tmp_path: Path) -> None:
    ids = make_data(data_dir)
    bad = tmp_path / "portal-backup-bad.jsonl"
    bad.write_bytes(b'{"format": "something else"}\n')
    with pytest.raises(DatabaseDamaged, match="not a usable backup"):
        restore_data_dir(data_dir, bad)
    with pytest.raises(StorageError, match="no backup file"):
        restore_data_dir(data_dir, tmp_path / "missing.jsonl")
    db = Database.open(data_dir)
    assert [d["id"] for d in db.table("t").all()] == ids
    db.close()
