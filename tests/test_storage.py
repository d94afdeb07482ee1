"""Storage tests: every test named with ``db`` runs against memory and a file in tmp_path."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from forms_api.storage import (
    SNAPSHOT_FILE,
    Database,
    DatabaseDamaged,
    DatabaseLocked,
    Query,
    StorageError,
    backup_data_dir,
    new_id,
    restore_data_dir,
    where,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["memory", "file"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    database = Database.memory() if request.param == "memory" else Database.open(tmp_path / "data")
    yield database
    database.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def reopen(db: Database) -> Database:
    """The same database after a restart (memory databases have nothing to restart)."""
    if db.data_dir is None:
        return db
    db.close()
    return Database.open(db.data_dir)


def journal_bytes(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(data_dir.glob("portal.journal.*")))


# ---------------------------------------------------------------- basic operations


def test_insert_returns_our_id_and_get_id_finds_it(db: Database) -> None:
    t = db.table("attendance")
    record_id = t.insert({"name": "张三", "school": "第一中学"})
    assert isinstance(record_id, str) and len(record_id) == 26
    assert t.get_id(record_id) == {"name": "张三", "school": "第一中学", "id": record_id}
    assert t.get_id("nope") is None


def test_insert_keeps_a_given_id_and_refuses_a_duplicate(db: Database) -> None:
    t = db.table("t")
    assert t.insert({"id": "abc", "n": 1}) == "abc"
    with pytest.raises(ValueError, match="abc"):
        t.insert({"id": "abc", "n": 2})
    assert t.all() == [{"id": "abc", "n": 1}]


def test_reads_are_copies(db: Database) -> None:
    t = db.table("t")
    doc = {"tags": ["a"], "nested": {"x": 1}}
    record_id = t.insert(doc)
    doc["tags"].append("changed outside")
    got = t.get_id(record_id)
    assert got is not None
    got["tags"].append("b")
    got["nested"]["x"] = 2
    for read in (t.all()[0], t.find(id=record_id)[0], t.search(where("id") == record_id)[0]):
        read["tags"].clear()
    assert t.get_id(record_id) == {"tags": ["a"], "nested": {"x": 1}, "id": record_id}


def test_reads_are_plain_dicts_without_doc_id(db: Database) -> None:
    t = db.table("t")
    t.insert({"n": 1})
    (doc,) = t.all()
    assert type(doc) is dict
    assert not hasattr(doc, "doc_id")


def test_tinydb_queries_work(db: Database) -> None:
    t = db.table("t")
    for n in range(5):
        t.insert({"n": n, "kind": "even" if n % 2 == 0 else "odd"})
    assert [d["n"] for d in t.search(Query().kind == "even")] == [0, 2, 4]
    assert t.count(where("n") > 2) == 2
    assert t.get(Query().n == 3)["kind"] == "odd"  # type: ignore[index]
    assert t.get(Query().n == 99) is None
    assert t.contains(Query().n == 1)
    assert len(t) == 5
    assert [d["n"] for d in t] == [0, 1, 2, 3, 4]


def test_find_is_an_equality_lookup_kept_up_to_date(db: Database) -> None:
    t = db.table("attendance")
    a = t.insert({"session_id": "s1", "phone": "13800000001"})
    t.insert({"session_id": "s1", "phone": "13800000002"})
    t.insert({"session_id": "s2", "phone": "13800000001"})
    t.insert({"session_id": "s2"})
    assert [d["id"] for d in t.find(session_id="s1", phone="13800000001")] == [a]
    assert len(t.find(session_id="s1")) == 2
    assert t.count(session_id="s1") == 2 and t.count(session_id="s9") == 0
    assert t.find(phone=None) == []  # a missing field is not None
    t.update_id(a, {"phone": "13900000000"})
    assert t.find(session_id="s1", phone="13800000001") == []
    assert [d["id"] for d in t.find(phone="13900000000")] == [a]
    t.remove_id(a)
    assert t.find(phone="13900000000") == []
    assert len(t.find(session_id="s1")) == 1


def test_find_after_duplicates_come_and_go(db: Database) -> None:
    t = db.table("t")
    assert t.find(k=1) == []  # builds the index on an empty table
    ids = [t.insert({"k": 1}) for _ in range(3)]
    assert [d["id"] for d in t.find(k=1)] == ids
    for n, record_id in enumerate(ids):
        t.remove_id(record_id)
        assert [d["id"] for d in t.find(k=1)] == ids[n + 1 :]
        assert t.count(k=1) == 2 - n
    again = t.insert({"k": 1})
    assert [d["id"] for d in t.find(k=1)] == [again]


def test_find_matches_lists(db: Database) -> None:
    t = db.table("t")
    t.insert({"tags": ["a", "b"]})
    assert len(t.find(tags=["a", "b"])) == 1
    assert t.find(tags=["b", "a"]) == []


def test_update_and_remove(db: Database) -> None:
    t = db.table("t")
    ids = [t.insert({"n": n, "status": "pending"}) for n in range(4)]
    assert t.update_id(ids[0], {"status": "approved"}) == {"n": 0, "status": "approved", "id": ids[0]}
    assert t.update_id("missing", {"status": "x"}) is None
    assert sorted(t.update({"status": "rejected"}, Query().n >= 2)) == sorted(ids[2:])
    t.update(lambda doc: doc.update(seen=True), Query().n == 1)
    assert t.get_id(ids[1]) == {"n": 1, "status": "pending", "seen": True, "id": ids[1]}
    assert t.remove(Query().status == "rejected") == ids[2:]
    assert t.remove_id(ids[0]) is True
    assert t.remove_id(ids[0]) is False
    assert [d["id"] for d in t.all()] == [ids[1]]
    assert t.upsert({"n": 1, "status": "done"}, Query().n == 1) == [ids[1]]
    (new,) = t.upsert({"n": 7}, Query().n == 7)
    assert t.get_id(new) == {"n": 7, "id": new}
    t.truncate()
    assert t.all() == [] and len(t) == 0


def test_updates_keep_insertion_order(db: Database) -> None:
    t = db.table("t")
    ids = [t.insert({"n": n}) for n in range(3)]
    t.update_id(ids[0], {"n": 10})
    t.update({"seen": True}, Query().n == 1)
    assert [d["id"] for d in t.all()] == ids
    db = reopen(db)
    assert [d["id"] for d in db.table("t").all()] == ids
    db.close()


def test_the_id_of_a_document_cannot_change(db: Database) -> None:
    t = db.table("t")
    record_id = t.insert({"n": 1})
    with pytest.raises(ValueError, match="id"):
        t.update_id(record_id, {"id": "other"})
    assert t.get_id(record_id) == {"n": 1, "id": record_id}


def test_doc_id_apis_are_refused(db: Database) -> None:
    t = db.table("t")
    with pytest.raises(TypeError, match="get_id"):
        t.get(doc_id=1)
    with pytest.raises(TypeError, match="remove_id"):
        t.remove(doc_ids=[1])


def test_unserialisable_values_are_refused_before_anything_changes(db: Database) -> None:
    t = db.table("t")
    with pytest.raises(TypeError):
        t.insert({"n": object()})
    assert t.all() == []


def test_ids_are_unique_and_never_reused_after_deletes(db: Database) -> None:
    t = db.table("t")
    first = [t.insert({"n": n}) for n in range(500)]
    for record_id in first:
        t.remove_id(record_id)
    second = [t.insert({"n": n}) for n in range(500)]
    assert len(set(first) | set(second)) == 1000
    assert len({new_id() for _ in range(10_000)}) == 10_000
    assert new_id() < new_id() or True  # sortable to the millisecond; uniqueness is the rule


def test_drop_table(db: Database) -> None:
    db.table("a").insert({"n": 1})
    db.table("b").insert({"n": 2})
    db.drop_table("a")
    assert db.table("a").all() == []
    db = reopen(db)
    assert db.tables() >= {"b"} and "a" not in db.tables()
    assert len(db.table("b")) == 1
    db.close()


# ---------------------------------------------------------------- transactions


def test_an_exception_undoes_the_whole_transaction(db: Database) -> None:
    t = db.table("t")
    keep = t.insert({"n": 0})
    with pytest.raises(RuntimeError), db.transaction():
        t.insert({"n": 1})
        t.update_id(keep, {"n": 100})
        t.remove_id(keep)
        db.table("new").insert({"n": 2})
        raise RuntimeError("boom")
    assert t.all() == [{"n": 0, "id": keep}]
    assert db.table("new").all() == []
    db = reopen(db)
    assert db.table("t").all() == [{"n": 0, "id": keep}]
    db.close()


def test_nested_transactions_commit_with_the_outermost(db: Database) -> None:
    t = db.table("t")
    with db.transaction():
        with db.transaction():
            t.insert({"n": 1})
        t.insert({"n": 2})
    assert len(t) == 2
    same = db.transaction()
    with same:
        with same:
            t.insert({"n": 3})
        t.insert({"n": 4})
    assert len(t) == 4
    t.insert({"n": 5})  # the lock was released


def check_in(db: Database, session: str, phone: str, capacity: int) -> str:
    """A check-in rule as the forms write it: dedupe by phone, then capacity."""
    t = db.table("attendance")
    with db.transaction():
        if t.find(session_id=session, phone=phone):
            return "again"
        if t.count(session_id=session) >= capacity:
            return "full"
        t.insert({"session_id": session, "phone": phone, "name": "王老师"})
        return "created"


def run_threads(count: int, target: object) -> list[str]:
    barrier = threading.Barrier(count)
    results: list[str] = []

    def run(n: int) -> None:
        barrier.wait()
        results.append(target(n))  # type: ignore[operator]

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_check_then_insert_is_atomic_across_threads(db: Database) -> None:
    for round_ in range(5):
        results = run_threads(16, lambda n: check_in(db, f"s{round_}", "13800000000", 100))
        assert sorted(results) == ["again"] * 15 + ["created"]
        assert len(db.table("attendance").find(session_id=f"s{round_}")) == 1


def test_capacity_holds_exactly_across_threads(db: Database) -> None:
    results = run_threads(32, lambda n: check_in(db, "s", f"138000000{n:02d}", 10))
    assert results.count("created") == 10 and results.count("full") == 22
    db = reopen(db)
    assert len(db.table("attendance").find(session_id="s")) == 10
    db.close()


# ---------------------------------------------------------------- files


def test_data_survives_a_restart_as_utf8(data_dir: Path) -> None:
    db = Database.open(data_dir)
    record_id = db.table("t").insert({"name": "心育驿站"})
    db.close()
    assert "心育驿站".encode() in journal_bytes(data_dir)
    db = Database.open(data_dir)
    assert db.table("t").get_id(record_id) == {"name": "心育驿站", "id": record_id}
    db.close()


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
