"""Storage under faults: SIGKILL at random moments, injected I/O errors, group commit."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from forms_api.storage import SNAPSHOT_FILE, Database, StorageError

ROOT = Path(__file__).resolve().parents[2]

# A child that writes from 4 threads, compacts from a fifth, and prints a line after each
# acknowledged change.
WRITER = r"""
import random, sys, threading, time
from forms_api.storage import Database

data_dir, seed = sys.argv[1], int(sys.argv[2])
db = Database.open(data_dir, compact_min_ops=150)
t = db.table("t")
say_lock = threading.Lock()

def say(line):
    with say_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

def work(k):
    rnd = random.Random(seed * 10 + k)
    mine = []
    while True:
        r = rnd.random()
        if r < 0.6 or not mine:
            i = t.insert({"v": 0, "name": "张老师" * rnd.randint(1, 30)})
            mine.append([i, 0])
            say(f"i {i}")
        elif r < 0.9:
            entry = rnd.choice(mine)
            entry[1] += 1
            t.update_id(entry[0], {"v": entry[1]})
            say(f"u {entry[0]} {entry[1]}")
        else:
            entry = mine.pop(rnd.randrange(len(mine)))
            say(f"R {entry[0]}")  # from here on it may be gone
            t.remove_id(entry[0])
            say(f"r {entry[0]}")

def compact():  # compactions are kill points too: run them often
    rnd = random.Random(seed)
    while True:
        time.sleep(rnd.uniform(0.0, 0.03))
        db.compact()

say("ready")
for k in range(4):
    threading.Thread(target=work, args=(k,), daemon=True).start()
threading.Thread(target=compact, daemon=True).start()
threading.Event().wait()
"""


def journal_fd_check(fd: int) -> bool:
    try:
        return "portal.journal." in os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return False


def test_sigkill_at_random_moments_loses_nothing_acknowledged(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    rnd = random.Random(20261129)
    expected: dict[str, int | None] = {}  # id -> last acknowledged v, None once removed
    maybe_removed: set[str] = set()
    kills = 40
    for round_ in range(kills):
        out_path = tmp_path / f"acked-{round_}.txt"
        with out_path.open("w") as out:
            child = subprocess.Popen(
                [sys.executable, "-c", WRITER, str(data_dir), str(round_)],
                cwd=ROOT,
                stdout=out,
            )
            if round_ % 4 == 0:  # now and then, kill it while it opens the database
                time.sleep(rnd.uniform(0.0, 0.25))
            else:
                deadline = time.monotonic() + 10
                while b"ready" not in out_path.read_bytes() and time.monotonic() < deadline:
                    time.sleep(0.005)
                time.sleep(rnd.uniform(0.0, 0.12))
            child.send_signal(signal.SIGKILL)
            child.wait()
        for line in out_path.read_text().split("\n")[:-1]:  # an unfinished last line is not acked
            kind, *rest = line.split()
            if kind == "i":
                expected[rest[0]] = 0
            elif kind == "u":
                expected[rest[0]] = int(rest[1])
            elif kind == "R":
                maybe_removed.add(rest[0])
            elif kind == "r":
                expected[rest[0]] = None
                maybe_removed.discard(rest[0])

        db = Database.open(data_dir)  # must open after every kill
        stored = {d["id"]: d["v"] for d in db.table("t").all()}
        db.close()
        for record_id, value in expected.items():
            if record_id in maybe_removed and record_id not in stored:
                expected[record_id] = None  # the removal was saved; the kill came before "r"
                maybe_removed.discard(record_id)
            elif value is None:
                assert record_id not in stored, f"round {round_}: removed {record_id} came back"
            else:
                assert record_id in stored, f"round {round_}: acknowledged {record_id} lost"
                assert stored[record_id] >= value, f"round {round_}: update of {record_id} lost"
    assert sum(v is not None for v in expected.values()) > 100  # the test did write a lot
    assert (data_dir / SNAPSHOT_FILE).exists()  # and compactions were among the kill points


# ---------------------------------------------------------------- injected I/O errors


def failing(real: Callable[..., Any], error: int, when: Callable[..., bool]) -> Callable[..., Any]:
    def fake(*args: Any) -> Any:
        if when(*args):
            raise OSError(error, os.strerror(error))
        return real(*args)

    return fake


def records(data_dir: Path) -> list[str]:
    db = Database.open(data_dir)
    try:
        return [d["id"] for d in db.table("t").all()]
    finally:
        db.close()


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO])
def test_a_failed_journal_write_raises_and_the_database_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    data_dir = tmp_path / "data"
    db = Database.open(data_dir)
    t = db.table("t")
    acked = [t.insert({"n": 0})]
    real_write = os.write
    monkeypatch.setattr(os, "write", failing(real_write, code, lambda fd, data: journal_fd_check(fd)))
    with pytest.raises(StorageError, match=os.strerror(code)):
        t.insert({"n": 1})
    with pytest.raises(StorageError), db.transaction():
        t.insert({"n": 2})
        t.update_id(acked[0], {"n": 99})
    assert [d["id"] for d in t.all()] == acked
    assert t.get_id(acked[0]) == {"n": 0, "id": acked[0]}
    monkeypatch.setattr(os, "write", real_write)
    acked.append(t.insert({"n": 3}))  # the space came back: the database still serves
    db.close()
    assert records(data_dir) == acked


def test_a_partial_write_is_cut_away(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "data"
    db = Database.open(data_dir)
    t = db.table("t")
    acked = [t.insert({"n": 0})]
    real_write = os.write
    calls = []

    def half_then_full(fd: int, data: bytes) -> int:
        if not journal_fd_check(fd):
            return real_write(fd, data)
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data)[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(StorageError, match="space"):
        t.insert({"n": 1, "text": "写了一半" * 20})
    monkeypatch.setattr(os, "write", real_write)
    acked.append(t.insert({"n": 2}))
    db.close()
    assert records(data_dir) == acked  # the half line was truncated, not left mid-file


def test_when_the_partial_write_cannot_be_cut_the_database_refuses_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    db = Database.open(data_dir)
    t = db.table("t")
    acked = [t.insert({"n": 0})]
    real_write = os.write

    def half_then_full(fd: int, data: bytes) -> int:
        if journal_fd_check(fd) and len(data) > 20:
            return real_write(fd, bytes(data)[:20])
        if journal_fd_check(fd):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", half_then_full)
    monkeypatch.setattr(os, "ftruncate", failing(os.ftruncate, errno.EIO, lambda *a: True))
    with pytest.raises(StorageError):
        t.insert({"n": 1})
    monkeypatch.undo()
    with pytest.raises(StorageError, match="restart"):
        t.insert({"n": 2})
    assert [d["id"] for d in t.all()] == acked  # reads still serve acknowledged data
    db.close()
    assert records(data_dir) == acked  # the torn tail is the last line: dropped at open


def test_a_failed_fsync_raises_undoes_and_refuses_later_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    db = Database.open(data_dir)
    t = db.table("t")
    acked = [t.insert({"n": 0})]
    monkeypatch.setattr(os, "fsync", failing(os.fsync, errno.EIO, lambda fd: True))
    with pytest.raises(StorageError, match="not saved"):
        t.insert({"n": 1})
    monkeypatch.undo()
    assert [d["id"] for d in t.all()] == acked  # memory does not claim the unsaved record
    with pytest.raises(StorageError, match="restart"):
        t.insert({"n": 2})
    with pytest.raises(StorageError):
        t.update_id(acked[0], {"n": 5})
    db.close()
    # The page cache may still have written the unacknowledged line: either answer is allowed.
    assert records(data_dir)[:1] == acked


def test_a_failed_fsync_fails_every_waiting_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    db = Database.open(data_dir)
    t = db.table("t")
    acked = [t.insert({"n": 0})]
    real_fsync = os.fsync

    def slow_failing_fsync(fd: int) -> None:
        time.sleep(0.02)
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fsync", slow_failing_fsync)
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def insert(n: int) -> None:
        barrier.wait()
        try:
            t.insert({"n": n})
            outcomes.append("saved")
        except StorageError:
            outcomes.append("error")

    threads = [threading.Thread(target=insert, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert outcomes == ["error"] * 8
    assert [d["id"] for d in t.all()] == acked
    db.close()


@pytest.mark.parametrize("target", ["replace", "fsync", "write"])
def test_a_failed_compaction_keeps_the_database_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    data_dir = tmp_path / "data"
    db = Database.open(data_dir)
    t = db.table("t")
    acked = [t.insert({"n": n}) for n in range(20)]
    real = getattr(os, target)
    if target == "replace":
        fake = failing(real, errno.ENOSPC, lambda *a: True)
    elif target == "fsync":  # fail the snapshot's fsync, not the journal's
        fake = failing(real, errno.EIO, lambda fd: not journal_fd_check(fd))
    else:
        fake = failing(real, errno.ENOSPC, lambda fd, data: not journal_fd_check(fd))
    monkeypatch.setattr(os, target, fake)
    with pytest.raises(OSError):
        db.compact()
    monkeypatch.undo()
    acked.append(t.insert({"n": "after"}))  # still serving, into the new journal
    assert not list(data_dir.glob("*.tmp"))
    db.close()
    assert records(data_dir) == acked
    db = Database.open(data_dir)
    db.compact()  # and a later compaction succeeds
    db.close()
    assert records(data_dir) == acked


def test_a_failed_backup_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database.open(tmp_path / "data")
    db.table("t").insert({"n": 1})
    monkeypatch.setattr(os, "fsync", failing(os.fsync, errno.ENOSPC, lambda fd: not journal_fd_check(fd)))
    with pytest.raises(StorageError, match="backup"):
        db.backup(tmp_path / "backups")
    monkeypatch.undo()
    assert list((tmp_path / "backups").iterdir()) == []
    db.close()


# ---------------------------------------------------------------- group commit


def test_concurrent_commits_share_fsyncs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database.open(tmp_path / "data")
    t = db.table("t")
    real_fsync = os.fsync
    fsyncs = []

    def slow_fsync(fd: int) -> None:
        fsyncs.append(fd)
        time.sleep(0.002)  # a cloud disk's fsync
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    barrier = threading.Barrier(16)

    def insert_many(n: int) -> None:
        barrier.wait()
        for k in range(20):
            t.insert({"n": n, "k": k})

    threads = [threading.Thread(target=insert_many, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(t) == 320
    assert len(fsyncs) < 320 / 3  # one fsync covers many transactions
    db.close()


def test_a_reading_transaction_waits_for_what_it_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dedupe must not answer from a record that a crash could still take back."""
    db = Database.open(tmp_path / "data")
    t = db.table("t")
    db.table("other").insert({"id": "o"})
    db.table("other").remove_id("o")
    real_fsync = os.fsync
    in_fsync = threading.Event()
    release = threading.Event()

    def held_fsync(fd: int) -> None:
        in_fsync.set()
        release.wait(5)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", held_fsync)
    writer = threading.Thread(target=t.insert, args=({"id": "a", "phone": "1"},))
    writer.start()
    assert in_fsync.wait(5)
    read_done = threading.Event()
    seen: list[Any] = []

    def read() -> None:
        seen.extend(t.find(phone="1"))
        read_done.set()

    reader = threading.Thread(target=read)
    reader.start()
    assert not read_done.wait(0.1)  # it saw the record, so it waits for its fsync
    assert db.table("other").all() == []  # a table without pending changes: no wait
    release.set()
    writer.join()
    reader.join()
    assert [d["id"] for d in seen] == ["a"]
    db.close()


@pytest.mark.parametrize("step", ["replace", "unlink"])
def test_an_interrupted_restore_leaves_the_old_or_the_new_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    from forms_api.storage import restore_data_dir

    data_dir = tmp_path / "data"
    db = Database.open(data_dir)
    t = db.table("t")
    old = [t.insert({"n": n}) for n in range(3)]
    backup = db.backup(tmp_path / "backups")
    new = old + [t.insert({"n": 3})]
    db.close()
    db = Database.open(data_dir)
    db.table("t").remove_id(old[0])  # the backup holds old[0]; the current database does not
    db.close()
    current = new[1:]

    class Crash(Exception):
        pass

    def crash(*args: Any) -> None:
        raise Crash(step)

    monkeypatch.setattr(os if step == "replace" else Path, step, crash)
    with pytest.raises(Crash):
        restore_data_dir(data_dir, backup)
    monkeypatch.undo()
    expected = current if step == "replace" else old  # before the swap: old; after: restored
    assert records(data_dir) == expected


def test_compactions_while_threads_write_lose_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    db = Database.open(data_dir)
    t = db.table("t")
    stop = threading.Event()
    acked: list[str] = []

    def write(n: int) -> None:
        while not stop.is_set():
            record_id = t.insert({"n": n})
            t.update_id(record_id, {"n": n, "updated": True})
            acked.append(record_id)

    def compact() -> None:
        while not stop.is_set():
            db.compact()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    threads.append(threading.Thread(target=compact))
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    stop.set()
    for thread in threads:
        thread.join()
    assert sorted(d["id"] for d in t.all()) == sorted(acked)
    db.close()
    assert sorted(records(data_dir)) == sorted(acked)
    assert len(list(data_dir.glob("portal.journal.*"))) == 1  # older journals were dropped
