"""PostgreSQL only: rules atomic across instances, errors never a false success, migrations."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from forms_api.settings import Settings
from forms_api.storage import Database, StorageError
from forms_api.storage.factory import open_database
from forms_api.storage.postgres import PgDatabase
from tests.pgcluster import Cluster
from tests.storage.test_tables import check_in


@pytest.fixture
def url(pg_cluster: Cluster) -> str:
    return pg_cluster.new_database()


@pytest.fixture
def two(url: str) -> Iterator[tuple[PgDatabase, PgDatabase]]:
    """Two instances (two pools) on one database, as two `portal serve` processes would be."""
    first, second = PgDatabase.connect(url), PgDatabase.connect(url)
    yield first, second
    first.close()
    second.close()


def on_threads(count: int, work: Callable[[int], str]) -> list[str]:
    barrier = threading.Barrier(count)
    results: list[str] = []

    def run(n: int) -> None:
        barrier.wait()
        results.append(work(n))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_the_same_phone_checking_in_on_two_instances_makes_one_record(
    two: tuple[PgDatabase, PgDatabase],
) -> None:
    for round_ in range(3):
        results = on_threads(12, lambda n: check_in(two[n % 2], f"s{round_}", "13800000000", 100))
        assert sorted(results) == ["again"] * 11 + ["created"]
        assert two[0].table("attendance").count(session_id=f"s{round_}") == 1


def test_capacity_holds_across_instances(two: tuple[PgDatabase, PgDatabase]) -> None:
    results = on_threads(16, lambda n: check_in(two[n % 2], "s", f"138000000{n:02d}", 5))
    assert results.count("created") == 5 and results.count("full") == 11
    assert len(two[1].table("attendance").find(session_id="s")) == 5


def confirm(db: Database, booking_id: str, expert_id: str, date: str, slot: str) -> str:
    """The bureau's confirmation as the console writes it: one expert, one slot, one visit."""
    bookings = db.table("bookings")
    with db.transaction():
        if bookings.find(expert_id=expert_id, date=date, slot=slot, status="confirmed"):
            return "taken"
        bookings.update_id(booking_id, {"status": "confirmed", "expert_id": expert_id,
                                        "date": date, "slot": slot})
        return "confirmed"


def test_the_same_expert_and_slot_confirmed_on_two_instances_is_confirmed_once(
    two: tuple[PgDatabase, PgDatabase],
) -> None:
    bookings = two[0].table("bookings")
    ids = [bookings.insert({"school": f"第{n}中学", "status": "requested"}) for n in range(8)]
    results = on_threads(8, lambda n: confirm(two[n % 2], ids[n], "E1", "2027-03-01", "am"))
    assert sorted(results) == ["confirmed"] + ["taken"] * 7
    assert two[1].table("bookings").count(status="confirmed", expert_id="E1") == 1


def test_a_refused_statement_is_a_storage_error_and_nothing_half_done(url: str) -> None:
    db = PgDatabase.connect(url)
    t = db.table("t")
    kept = t.insert({"n": 0})
    with psycopg.connect(url, autocommit=True) as admin:  # a rule only the server knows
        admin.execute("ALTER TABLE portal_documents ADD CONSTRAINT no_secret"
                      " CHECK (NOT doc ? 'secret')")
    with pytest.raises(StorageError, match="PostgreSQL") as refused, db.transaction():
        t.update_id(kept, {"n": 1})
        t.insert({"secret": "13912345678"})  # PostgreSQL refuses the statement
    assert "13912345678" not in str(refused.value)
    assert t.all() == [{"n": 0, "id": kept}]
    assert t.insert({"n": 2})  # the pool's connection was given back clean
    db.close()


def test_a_commit_that_fails_is_never_answered_as_saved(url: str, pg_cluster: Cluster) -> None:
    db = PgDatabase.connect(url)
    t = db.table("t")
    with pytest.raises(StorageError), db.transaction():
        t.insert({"n": 1})
        conn = db._state.conn
        assert conn is not None
        pid = conn.info.backend_pid
        with psycopg.connect(pg_cluster.url(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    assert t.all() == []
    db.close()


def test_an_unreachable_server_is_a_storage_error(pg_cluster: Cluster) -> None:
    with pytest.raises(StorageError, match="PostgreSQL"):
        PgDatabase.connect(pg_cluster.url("no_such_database"), pool_size=1)


def test_migrations_run_once_across_instances_and_newer_is_refused(url: str) -> None:
    runs: list[int] = []
    opened: list[PgDatabase] = []
    lock = threading.Lock()

    def second(db: Database) -> None:
        with lock:
            runs.append(1)
        db.table("settings").insert({"id": "added", "value": 1})

    migrations = [lambda db: None, second]

    def start(n: int) -> str:
        db = PgDatabase.connect(url, migrations=migrations)  # four instances starting at once
        with lock:
            opened.append(db)
        return "started"

    assert on_threads(4, start) == ["started"] * 4
    assert runs == [1]
    assert all(db.schema_version() == 2 for db in opened)
    for db in opened:
        db.close()
    with pytest.raises(StorageError, match="newer"):
        PgDatabase.connect(url, migrations=migrations[:1])


def test_run_answers_after_the_commit_and_refuses_nesting(url: str) -> None:
    db = PgDatabase.connect(url)

    async def main() -> None:
        assert await db.run(db.table("t").insert, {"id": "a"}) == "a"
        with db.transaction(), pytest.raises(RuntimeError, match="inside a transaction"):
            await db.run(db.table("t").insert, {"id": "b"})

    asyncio.run(main())
    assert [d["id"] for d in db.table("t").all()] == ["a"]
    db.close()


def test_the_factory_picks_the_backend(url: str, tmp_path: Path) -> None:
    on_disk = open_database(Settings(data_dir=tmp_path / "data"))
    assert on_disk.data_dir == tmp_path / "data"
    on_disk.close()
    server = open_database(Settings(data_dir=tmp_path / "unused", database_url=url))
    assert isinstance(server, PgDatabase) and server.data_dir is None
    server.close()
    assert not (tmp_path / "unused").exists()


def test_a_singleton_admits_one_instance_and_hands_over(url: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PgDatabase, "SINGLETON_RETRY", 0.05)
    a, b = PgDatabase.connect(url), PgDatabase.connect(url)
    order: list[str] = []

    async def run(db: PgDatabase, name: str, hold: float) -> None:
        async with db.singleton("job"):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    async def main() -> None:
        first = asyncio.create_task(run(a, "a", 0.5))
        await asyncio.sleep(0.2)
        await asyncio.gather(first, run(b, "b", 0.0))

    asyncio.run(main())
    assert order == ["a in", "a out", "b in", "b out"]

    async def other_names() -> None:  # another job's lock is another key
        async with a.singleton("job"), b.singleton("other"):
            order.append("both")

    asyncio.run(other_names())
    assert order[-1] == "both"
    a.close()
    b.close()


HOLDER = """
import asyncio, sys, time
from forms_api.storage.postgres import PgDatabase

async def main():
    db = PgDatabase.connect(sys.argv[1])
    async with db.singleton("job"):
        print("held", flush=True)
        await asyncio.sleep(600)

asyncio.run(main())
"""


def test_a_job_moves_within_seconds_when_its_holder_is_killed(url: str) -> None:
    """kill -9 of the instance running a job: PostgreSQL sees its connection close and ends
    the session, which frees the lock; the next retry of another instance takes the job."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, url], stdout=subprocess.PIPE,
                              text=True)
    db = PgDatabase.connect(url)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"

        async def main() -> float:
            entered = asyncio.Event()
            took: list[float] = []

            async def take() -> None:
                async with db.singleton("job"):
                    took.append(time.monotonic())
                    entered.set()

            task = asyncio.create_task(take())
            await asyncio.sleep(PgDatabase.SINGLETON_RETRY + 0.5)
            assert not entered.is_set(), "the job ran twice: its holder is alive"
            killed = time.monotonic()
            holder.send_signal(signal.SIGKILL)
            await asyncio.wait_for(entered.wait(), PgDatabase.SINGLETON_RETRY + 5)
            await task
            return took[0] - killed

        moved = asyncio.run(main())
        print(f"job taken over {moved:.2f} s after kill -9 (retry every "
              f"{PgDatabase.SINGLETON_RETRY} s)")
        assert moved <= PgDatabase.SINGLETON_RETRY + 2, moved
    finally:
        holder.kill()
        holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()
        db.close()
