"""The engine: memory image, journal, group commit, I/O failures (argued in ``__init__``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections import deque
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from forms_api.storage import compaction
from forms_api.storage.errors import StorageError
from forms_api.storage.files import (
    SNAPSHOT_FILE,
    fsync_dir,
    journal_path,
    list_journals,
    load,
    lock_dir,
    write_all,
)
from forms_api.storage.indexes import Doc, TableData
from forms_api.storage.transaction import Txn, Undo

#: Compaction starts once the journals hold more operations than this and than live documents.
COMPACT_MIN_OPS = 50_000

logger = logging.getLogger("forms_api.storage")


def _settle(settled: list[tuple[asyncio.Future[None], str]]) -> None:
    """On the waiters' loop: resolve each future, or fail it with the flusher's error."""
    for future, failure in settled:
        if future.done():  # its request was cancelled; the change is durable all the same
            continue
        if failure:
            future.set_exception(StorageError(failure))
        else:
            future.set_result(None)


# --------------------------------------------------------------------------- the engine


class DurableStorage(Storage):
    """The TinyDB ``Storage`` behind ``Database``: memory image, journal, group commit.

    TinyDB's whole-database ``read()``/``write()`` contract is kept for ``TinyDB.tables()``;
    ``Table`` uses the per-document methods below instead.
    """

    def __init__(self, data_dir: Path | None = None, compact_min_ops: int = COMPACT_MIN_OPS):
        self._lock = threading.RLock()
        self._cv = threading.Condition(threading.Lock())
        self._tables: dict[str, TableData] = {}
        self._txn: Txn | None = None
        self._written_seq = 0
        self._durable_seq = 0
        self._table_seq: dict[str, int] = {}  # table -> seq of its newest change
        self._pending: deque[tuple[int, list[Undo]]] = deque()
        self._flushing = False
        self._waiting = 0  # threads waiting for a flush that is under way
        # Coroutines waiting in durable(): (target seq, their loop, their future), and the
        # thread that fsyncs for them.
        self._loop_waiters: list[tuple[int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._flusher: threading.Thread | None = None
        self._failed: BaseException | None = None  # set: writes are refused
        self._sync_error: OSError | None = None  # set: an fsync failed, nothing is trusted
        self._closed = False
        self._dir = data_dir
        self._fd = -1
        self._lock_fd = -1
        self._size = 0
        self._gen = 1
        self._ops = 0  # operations in the journals since the snapshot
        self._compact_min_ops = compact_min_ops
        self._compactor: threading.Thread | None = None
        self._compact_lock = threading.Lock()
        if data_dir is not None:
            self._open_files(data_dir)

    # -- opening and closing

    def _open_files(self, data_dir: Path) -> None:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._lock_fd = lock_dir(data_dir)
        try:
            image = load(data_dir)
            (data_dir / (SNAPSHOT_FILE + ".tmp")).unlink(missing_ok=True)
            for gen, path in sorted(list_journals(data_dir).items()):
                if gen < image.snapshot_gen:  # already in the snapshot: compaction was cut short
                    path.unlink()
            path = journal_path(data_dir, image.last_gen)
            created = not path.exists()
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                if image.torn_at is not None:  # a write that never returned: never acknowledged
                    os.ftruncate(fd, image.torn_at)
                # What a killed process wrote but did not fsync is served from now on: sync it.
                os.fsync(fd)
                if created:
                    fsync_dir(data_dir)
            except BaseException:
                os.close(fd)
                raise
        except BaseException:
            os.close(self._lock_fd)
            raise
        self._fd = fd
        self._size = os.fstat(fd).st_size
        self._tables = image.tables
        self._written_seq = self._durable_seq = image.seq
        self._gen = image.last_gen
        self._ops = image.ops

    def close(self) -> None:
        compactor = self._compactor
        if compactor is not None:
            compactor.join()
        with self._lock:
            if self._closed:
                return
            if self._dir is not None and self._failed is None:
                with contextlib.suppress(StorageError):
                    self._wait_durable(self._written_seq)
            with self._cv:
                self._closed = True
                self._cv.notify_all()  # the flusher answers whoever still waits, and ends
            if self._dir is not None:
                os.close(self._fd)
                os.close(self._lock_fd)  # releases the flock
        flusher = self._flusher
        if flusher is not None:
            flusher.join()

    # -- TinyDB's Storage contract

    def read(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {name: dict[Any, Any](td.docs) for name, td in self._tables.items()}

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        raise NotImplementedError("write whole tables through Table methods, not Storage.write")

    # -- changes (the lock is held and a transaction is open)

    def table_data(self, name: str) -> TableData:
        """A table's data (lock held); a reading transaction will wait until it is durable."""
        txn = self._txn
        if txn is not None:
            txn.read_seq = max(txn.read_seq, self._table_seq.get(name, 0))
        td = self._tables.get(name)
        return td if td is not None else TableData()

    def _writable(self) -> Txn:
        if self._failed is not None:
            raise StorageError(
                f"the database refuses writes after an I/O error ({self._failed}); "
                f"fix the disk and restart the portal"
            )
        assert self._txn is not None, "changes need a transaction"
        return self._txn

    def insert(self, name: str, doc: Doc, raw: bytes) -> None:
        txn = self._writable()
        td = self._tables.get(name)
        if td is None:
            td = self._tables[name] = TableData()
            txn.undo.append((name, None, None))
        if doc["id"] in td.by_id:
            raise ValueError(f"table {name!r} already holds a document with id {doc['id']!r}")
        doc_id = td.next_doc_id
        td.set(doc_id, doc)
        txn.undo.append((name, doc_id, None))
        if self._dir is not None:
            txn.ops.append(b'["p",%b,%d,%b]' % (orjson.dumps(name), doc_id, raw))

    def replace(self, name: str, doc_id: int, doc: Doc, raw: bytes) -> None:
        txn = self._writable()
        td = self._tables[name]
        owner = td.by_id.get(doc["id"])
        if owner is not None and owner != doc_id:
            raise ValueError(f"table {name!r} already holds a document with id {doc['id']!r}")
        txn.undo.append((name, doc_id, td.set(doc_id, doc)))
        if self._dir is not None:
            txn.ops.append(b'["p",%b,%d,%b]' % (orjson.dumps(name), doc_id, raw))

    def delete(self, name: str, doc_id: int) -> None:
        txn = self._writable()
        txn.undo.append((name, doc_id, self._tables[name].set(doc_id, None)))
        if self._dir is not None:
            txn.ops.append(b'["d",%b,%d]' % (orjson.dumps(name), doc_id))

    def truncate(self, name: str, *, drop: bool = False) -> None:
        txn = self._writable()
        old = self._tables.pop(name, None)
        if not drop:
            self._tables[name] = TableData()
            if old is not None:
                self._tables[name].next_doc_id = old.next_doc_id
        txn.undo.append((name, None, old))
        if self._dir is not None:
            txn.ops.append(b'["%b",%b]' % (b"x" if drop else b"t", orjson.dumps(name)))

    def _undo(self, undo: list[Undo]) -> None:
        restored: set[str] = set()
        for name, doc_id, old in reversed(undo):
            if doc_id is None:
                if old is None:
                    self._tables.pop(name, None)
                else:
                    self._tables[name] = old
            else:
                td = self._tables[name]
                if old is not None and doc_id not in td.docs:
                    restored.add(name)
                td.set(doc_id, old)
        for name in restored:  # a deleted document came back at the end: put it in its place
            td = self._tables[name]
            td.docs = dict(sorted(td.docs.items()))

    # -- commit and group commit

    def _commit(self, txn: Txn) -> int:
        """Append the transaction's line (lock held); return the sequence number to wait for."""
        if not txn.undo or self._dir is None:
            # Only read: wait for what it read, not for unrelated tables' pending changes.
            return txn.read_seq
        if self._failed is not None:
            self._undo(txn.undo)
            raise StorageError(f"the change was not saved: {self._failed}")
        seq = self._written_seq + 1
        line = b"[%d,[%b]]\n" % (seq, b",".join(txn.ops))
        try:
            write_all(self._fd, line)
        except OSError as exc:
            self._undo(txn.undo)
            try:
                os.ftruncate(self._fd, self._size)
            except OSError:
                # The torn line stays last (loading drops it) only if nothing follows it. What
                # was written before it is intact, and its waiters' fsync goes on as usual.
                self._failed = exc
                logger.error("journal in %s has a torn tail; writes are refused", self._dir)
            raise StorageError(f"could not write to the journal in {self._dir}: {exc}") from exc
        self._size += len(line)
        self._written_seq = seq
        for name, _, _ in txn.undo:
            self._table_seq[name] = seq
        self._pending.append((seq, txn.undo))
        while self._pending and self._pending[0][0] <= self._durable_seq:
            self._pending.popleft()
        self._ops += len(txn.ops)
        self._maybe_compact()
        return seq

    def _wait_durable(self, target: int) -> None:
        """Return once everything up to ``target`` is fsynced; lead the fsync if nobody is."""
        if self._durable_seq >= target:
            return
        with self._cv:
            while self._durable_seq < target:
                if self._sync_error is not None:
                    raise StorageError(f"the change was not saved: {self._sync_error}")
                if self._flushing:
                    self._waiting += 1
                    try:
                        self._cv.wait()
                    finally:
                        self._waiting -= 1
                    continue
                self._flushing = True
                fd = self._fd  # fixed while we flush: compaction swaps it only between flushes
                busy = self._waiting > 0
                self._cv.release()
                if busy:  # others are committing too: let them write their lines into this fsync
                    os.sched_yield()
                upto = self._written_seq  # every line up to here is written: this fsync covers it
                try:
                    os.fsync(fd)
                except OSError as exc:
                    error: OSError | None = exc
                else:
                    error = None
                finally:
                    self._cv.acquire()
                    self._flushing = False
                    self._cv.notify_all()
                if error is None:
                    self._durable_seq = max(self._durable_seq, upto)
                    continue
                self._failed = self._sync_error = error
                self._cv.release()
                try:
                    with self._lock:
                        self._fail(error)
                finally:
                    self._cv.acquire()
                raise StorageError(f"the change was not saved: {error}") from error

    async def durable(self, target: int) -> None:
        """Await, without blocking the event loop, until everything up to ``target`` is fsynced.

        The coroutine parks a future; the flusher thread leads (or joins) the next group
        commit, exactly as a waiting thread would, and resolves every future it covered with
        one ``call_soon_threadsafe`` per loop.
        """
        if self._durable_seq >= target:
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._cv:
            if self._durable_seq >= target:
                return
            if self._sync_error is not None:
                raise StorageError(f"the change was not saved: {self._sync_error}")
            self._loop_waiters.append((target, loop, future))
            if self._flusher is None:
                self._flusher = threading.Thread(
                    target=self._flush_for_loops, name="storage-flusher", daemon=True
                )
                self._flusher.start()
            self._cv.notify_all()
        await future

    def _flush_for_loops(self) -> None:
        """The flusher thread: fsync for the coroutines in ``durable()``, then wake them."""
        while True:
            with self._cv:
                while not self._loop_waiters and not self._closed:
                    self._cv.wait()
                if not self._loop_waiters:
                    return  # closed, and nobody waits
                closed = self._closed
                target = max(t for t, _, _ in self._loop_waiters)
            error: BaseException | None = None
            if closed:  # close() waited for every write first; what is still missing failed
                error = StorageError("the database was closed before the change was saved")
            else:
                try:
                    self._wait_durable(target)
                except StorageError as exc:
                    error = exc
            with self._cv:
                done = self._durable_seq
                ready = [w for w in self._loop_waiters if error is not None or w[0] <= done]
                self._loop_waiters = [w for w in self._loop_waiters
                                      if error is None and w[0] > done]
            by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[None], str]]] = {}
            for seq, loop, future in ready:
                failure = "" if seq <= done else str(error)
                by_loop.setdefault(loop, []).append((future, failure))
            for loop, settled in by_loop.items():
                # RuntimeError: that loop is closed, and nobody is left to answer.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_settle, settled)

    def _fail(self, error: OSError) -> None:
        """After a failed fsync: undo every change that is not durable (lock held)."""
        while self._pending:
            seq, undo = self._pending.pop()
            if seq > self._durable_seq:
                self._undo(undo)
        self._written_seq = self._durable_seq
        for name, seq in self._table_seq.items():
            self._table_seq[name] = min(seq, self._durable_seq)
        logger.error("storage failed in %s: %s; writes are refused until restart", self._dir, error)
        with self._cv:
            self._cv.notify_all()

    # -- compaction


    # -- compaction (forms_api.storage.compaction)

    def _maybe_compact(self) -> None:
        compaction.maybe_compact(self)

    def freeze(self) -> tuple[list[tuple[str, list[tuple[int, Doc]]]], int]:
        """A consistent shallow copy of every table, and its sequence number (lock held)."""
        if self._txn is not None:
            if self._txn.undo:
                raise StorageError("a backup cannot include a transaction's uncommitted changes")
            self._txn.read_seq = self._written_seq
        frozen = [(name, list(td.docs.items())) for name, td in self._tables.items()]
        return frozen, self._written_seq

    def compact(self) -> None:
        """Start a new journal, write the image as the snapshot, drop the journals it covers."""
        compaction.compact(self)
