"""The storage contract: reads, writes, indexes and transactions.

``db`` runs each test on every backend (memory, a data directory, PostgreSQL); ``journal_db``
only on the embedded journal, for TinyDB's query API, which only it offers.
"""

from __future__ import annotations

import threading

import pytest

from forms_api.storage import Database, JournalDatabase, Query, new_id, where
from tests.storage.support import reopen

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
    for read in (t.all()[0], t.find(id=record_id)[0], *t):
        read["tags"].clear()
    assert t.get_id(record_id) == {"tags": ["a"], "nested": {"x": 1}, "id": record_id}


def test_query_reads_are_copies(journal_db: JournalDatabase) -> None:
    t = journal_db.table("t")
    record_id = t.insert({"tags": ["a"]})
    t.search(where("id") == record_id)[0]["tags"].clear()
    assert t.get_id(record_id) == {"tags": ["a"], "id": record_id}


def test_reads_are_plain_dicts_without_doc_id(db: Database) -> None:
    t = db.table("t")
    t.insert({"n": 1})
    (doc,) = t.all()
    assert type(doc) is dict
    assert not hasattr(doc, "doc_id")


def test_tinydb_queries_work(journal_db: JournalDatabase) -> None:
    t = journal_db.table("t")
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


def test_find_compares_objects_whole_and_numbers_by_value(db: Database) -> None:
    t = db.table("t")
    record_id = t.insert({"slot": {"date": "2027-03-01", "half": "am"}, "n": 2})
    assert t.find(slot={"date": "2027-03-01"}) == []
    assert [d["id"] for d in t.find(slot={"half": "am", "date": "2027-03-01"})] == [record_id]
    assert [d["id"] for d in t.find(n=2.0)] == [record_id]
    assert t.count(n=2, slot={"date": "2027-03-01", "half": "am"}) == 1


def test_any_text_round_trips_and_is_found(db: Database) -> None:
    """U+0000 (jsonb refuses it) and the escape PostgreSQL stores it with come back as stored."""
    t = db.table("t")
    texts = ["王\x00芳", "\ue000", "\ue0000", "\\u0000", "a\x00\ue000\x00", "plain"]
    ids = [t.insert({"name": text, "tags": [text], text: 1}) for text in texts]
    for record_id, text in zip(ids, texts, strict=True):
        assert t.get_id(record_id) == {"id": record_id, "name": text, "tags": [text], text: 1}
        assert [d["id"] for d in t.find(name=text)] == [record_id]
        assert t.count(tags=[text]) == 1
    t.update_id(ids[0], {"school": "一中\x00"})
    assert t.find(school="一中\x00")[0]["name"] == "王\x00芳"
    assert t.find(name="王芳") == [] and t.get_id("x\x00") is None
    given = t.insert({"id": "k\x00", "n": 1})
    assert t.get_id(given) == {"id": "k\x00", "n": 1} and t.remove_id("k\x00")


def test_update_id_remove_id_and_truncate(db: Database) -> None:
    t = db.table("t")
    ids = [t.insert({"n": n, "status": "pending", "tags": ["x"]}) for n in range(3)]
    assert t.update_id(ids[0], {"status": "approved", "tags": []}) == {
        "n": 0, "status": "approved", "tags": [], "id": ids[0]}
    assert t.get_id(ids[0]) == {"n": 0, "status": "approved", "tags": [], "id": ids[0]}
    assert t.update_id("missing", {"status": "x"}) is None
    assert t.remove_id(ids[1]) is True
    assert t.remove_id(ids[1]) is False
    assert [d["id"] for d in t.all()] == [ids[0], ids[2]]
    new = t.insert_multiple([{"n": 5}, {"n": 6}])
    assert [d["id"] for d in t.all()] == [ids[0], ids[2], *new]
    t.truncate()
    assert t.all() == [] and len(t) == 0 and t.count(n=0) == 0


def test_update_and_remove(journal_db: JournalDatabase) -> None:
    t = journal_db.table("t")
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
    t.update_id(ids[1], {"seen": True})
    assert [d["id"] for d in t.all()] == ids
    assert [d["id"] for d in t.find(n=10)] == [ids[0]]
    db = reopen(db)
    assert [d["id"] for d in db.table("t").all()] == ids
    db.close()


def test_the_id_of_a_document_cannot_change(db: Database) -> None:
    t = db.table("t")
    record_id = t.insert({"n": 1})
    with pytest.raises(ValueError, match="id"):
        t.update_id(record_id, {"id": "other"})
    assert t.get_id(record_id) == {"n": 1, "id": record_id}


def test_doc_id_apis_are_refused(journal_db: JournalDatabase) -> None:
    t = journal_db.table("t")
    with pytest.raises(TypeError, match="get_id"):
        t.get(doc_id=1)
    with pytest.raises(TypeError, match="remove_id"):
        t.remove(doc_ids=[1])


def test_unserialisable_values_are_refused_before_anything_changes(db: Database) -> None:
    t = db.table("t")
    with pytest.raises(TypeError):
        t.insert({"n": object()})
    with pytest.raises(TypeError):
        t.update_id(t.insert({"n": 1}), {"n": object()})
    assert [d["n"] for d in t.all()] == [1]


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
    assert "b" in db.collections() and "a" not in db.collections()
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
