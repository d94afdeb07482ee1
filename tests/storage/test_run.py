"""Database.run: a transaction from the event loop that awaits its group commit."""

from __future__ import annotations

import asyncio
import errno
import os
import threading
from pathlib import Path

import pytest

from forms_api.storage import Database, StorageError


def records(data_dir: Path) -> list[str]:
    db = Database.open(data_dir)
    try:
        return [d["id"] for d in db.table("t").all()]
    finally:
        db.close()


def test_run_answers_only_after_the_fsync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database.open(tmp_path / "data")
    t = db.table("t")
    real_fsync = os.fsync
    synced_at: list[int] = []

    def counting_fsync(fd: int) -> None:
        real_fsync(fd)
        synced_at.append(db._storage._written_seq)

    monkeypatch.setattr(os, "fsync", counting_fsync)

    async def main() -> list[str]:
        ids = await asyncio.gather(*(db.run(t.insert, {"n": n}) for n in range(50)))
        # Each answer came after an fsync that covered everything written so far.
        assert synced_at and synced_at[-1] == db._storage._written_seq
        return list(ids)

    ids = asyncio.run(main())
    monkeypatch.undo()
    assert db._storage._durable_seq == db._storage._written_seq
    assert len(synced_at) < 50  # coroutines share fsyncs
    db.close()
    assert sorted(records(tmp_path / "data")) == sorted(ids)


def test_run_undoes_everything_when_fn_raises(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "data")
    t = db.table("t")

    def insert_then_fail() -> None:
        t.insert({"id": "a"})
        raise LookupError("no")

    async def main() -> None:
        with pytest.raises(LookupError):
            await db.run(insert_then_fail)
        assert await db.run(t.get_id, "a") is None
        assert await db.run(t.insert, {"id": "b"}) == "b"

    asyncio.run(main())
    db.close()
    assert records(tmp_path / "data") == ["b"]


def test_run_goes_to_a_thread_while_another_thread_holds_the_lock(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "data")
    t = db.table("t")
    held, release = threading.Event(), threading.Event()
    runner: list[str] = []

    def hold() -> None:
        with db.transaction():
            held.set()
            release.wait()

    def insert() -> str:
        runner.append(threading.current_thread().name)
        return t.insert({"id": "x"})

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait()

    async def main() -> str:
        pending = asyncio.ensure_future(db.run(insert))
        await asyncio.sleep(0.05)
        assert not pending.done()  # waiting for the lock, and the loop is still serving
        release.set()
        return await pending

    assert asyncio.run(main()) == "x"
    holder.join()
    assert runner and runner[0] != threading.main_thread().name
    db.close()
    assert records(tmp_path / "data") == ["x"]


def test_run_inside_a_transaction_is_refused(tmp_path: Path) -> None:
    db = Database.memory()

    async def main() -> None:
        with db.transaction(), pytest.raises(RuntimeError, match="inside a transaction"):
            await db.run(db.table("t").insert, {"n": 1})
        assert await db.run(db.table("t").insert, {"id": "ok"}) == "ok"

    asyncio.run(main())
    db.close()


def test_a_failed_fsync_fails_every_waiting_coroutine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database.open(tmp_path / "data")
    t = db.table("t")
    acked = [t.insert({"n": 0})]

    def failing_fsync(fd: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fsync", failing_fsync)

    async def main() -> list[object]:
        return await asyncio.gather(*(db.run(t.insert, {"n": n}) for n in range(1, 9)),
                                    return_exceptions=True)

    outcomes = asyncio.run(main())
    monkeypatch.undo()
    assert all(isinstance(o, StorageError) for o in outcomes)
    assert [d["id"] for d in t.all()] == acked  # memory does not claim what was not saved

    async def later() -> None:
        with pytest.raises(StorageError, match="restart"):
            await db.run(t.insert, {"n": 9})

    asyncio.run(later())
    db.close()


def test_a_reading_run_waits_for_what_it_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dedupe answered from the loop must not rest on a record a crash could take back."""
    db = Database.open(tmp_path / "data")
    t = db.table("t")
    real_fsync = os.fsync
    in_fsync, release = threading.Event(), threading.Event()

    def slow_fsync(fd: int) -> None:
        in_fsync.set()
        release.wait()
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    writer = threading.Thread(target=t.insert, args=({"id": "w"},))
    writer.start()
    in_fsync.wait()

    async def main() -> None:
        read = asyncio.ensure_future(db.run(t.get_id, "w"))
        await asyncio.sleep(0.05)
        assert not read.done()  # the record is in memory, not yet on disk
        release.set()
        assert (await read) == {"id": "w"}

    asyncio.run(main())
    writer.join()
    db.close()
