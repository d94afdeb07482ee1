"""Compaction: snapshots written on demand and in the background keep everything."""

from __future__ import annotations

from pathlib import Path

from forms_api.storage import (
    SNAPSHOT_FILE,
    Database,
)


def test_compaction_keeps_everything(data_dir: Path) -> None:
    db = Database.open(data_dir)
    t = db.table("t")
    ids = [t.insert({"n": n}) for n in range(50)]
    for record_id in ids[:10]:
        t.update_id(record_id, {"n": -1})
    for record_id in ids[10:20]:
        t.remove_id(record_id)
    db.table("empty").truncate()
    before = t.all()
    db.compact()
    assert (data_dir / SNAPSHOT_FILE).exists()
    assert [p.name for p in data_dir.glob("portal.journal.*")] == ["portal.journal.000002"]
    late = t.insert({"n": "after"})
    db.close()
    db = Database.open(data_dir)
    assert db.table("t").all() == [*before, {"n": "after", "id": late}]
    db.compact()
    db.compact()
    db.close()
    db = Database.open(data_dir)
    assert db.table("t").all() == [*before, {"n": "after", "id": late}]
    db.close()


def test_compaction_runs_in_the_background_when_the_journal_grows(data_dir: Path) -> None:
    db = Database.open(data_dir, compact_min_ops=20)
    t = db.table("t")
    record_id = t.insert({"n": 0})
    for n in range(200):
        t.update_id(record_id, {"n": n})
    db.close()  # waits for a running compaction
    assert (data_dir / SNAPSHOT_FILE).exists()
    db = Database.open(data_dir)
    assert db.table("t").all() == [{"n": 199, "id": record_id}]
    db.close()
