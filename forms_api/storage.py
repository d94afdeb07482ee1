"""Durable TinyDB for the portal: tables in memory, a journal on disk, group commit.

This is the only module that imports ``tinydb``. The rest of the code keeps TinyDB's
``Table``/``Query`` API; what changes is underneath it, through TinyDB's own extension points
(``TinyDB.table_class`` and the ``Storage`` class). The file formats, the directory lock and
backup/restore of a data directory live in ``forms_api._storage_files`` (no TinyDB there).

Why it is fast. Every table lives in memory as ``{doc_id: document}`` plus a map from our ``id``
to the doc_id and hash indexes built lazily per field tuple (``Table.find``). ``Table`` replaces
TinyDB's ``_update_table`` path (which rebuilds the whole table on every write) with
per-document operations, so one insert costs the same at 1k and at 300k documents. Stored
documents are never mutated in place (an update installs a new dict), so a reader can copy them
outside the lock and a snapshot needs only a shallow copy of the table dicts.

Why it is durable. The outermost ``transaction()`` turns its changes into one JSON line appended
to ``portal.journal.<gen>`` with a single ``os.write`` while it holds the lock, releases the lock
and then waits until a flush leader (the first waiting thread) has fsynced past that line: one
fsync covers every transaction written so far (group commit). A transaction that only read waits
too, until the newest change to each table it read is fsynced, so nobody is answered from data
that a crash could still take back (and a read of a quiet table does not wait at all).
``Database.run(fn)`` is the same transaction for the event loop: ``fn`` and the ``os.write`` run
on the loop while the lock is free (microseconds; a contended lock sends the call to a worker
thread instead), and the coroutine awaits a future that the flusher thread resolves once its
fsync (led or joined like any waiting thread's) covers the line: no thread-pool hop per request.

Why it is crash-safe. A journal line is written whole or, if the writer dies or the power fails
during that write, it is the unterminated last line of the newest journal: that write never
returned, so it was never acknowledged, and loading drops it (then fsyncs the journal, since what
a killed process wrote but never synced is served from then on). Any other unreadable byte raises
``DatabaseDamaged`` and nothing is overwritten. Compaction (in a background thread, once the
journals hold more operations than there are live documents, and at least ``COMPACT_MIN_OPS``;
or when ``Database.compact()`` is called) starts a new journal generation
under the lock, writes the frozen image to a temporary file, fsyncs it, ``os.replace``s it over
``portal.snapshot``, fsyncs the directory and only then deletes the journals it covers: at every
instant ``portal.snapshot`` plus the journals from its generation on hold every acknowledged
change.

On an I/O error. A failed ``os.write`` (ENOSPC, say) is caught while the lock is still held:
that transaction is undone in memory, the partial line is truncated away and ``StorageError``
raised; the database keeps serving, because free space may come back (should the truncation fail
too, writes are refused from then on, so that the torn line stays the last one). A failed ``fsync`` is
different: Linux may drop the dirty pages and a retried fsync can then succeed without writing
them, so nothing written since the last good fsync can be trusted. Every transaction since then
is undone in memory, its waiters get ``StorageError`` and the database is marked failed: every
later write raises ``StorageError`` until the process restarts and re-reads what reached the
disk. Reads keep being served from acknowledged data. We chose undo-and-fail over retrying
because a retried fsync can lie, and over crashing because reads can still be served safely.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import orjson
from tinydb import Query, TinyDB, where
from tinydb.queries import QueryLike
from tinydb.storages import Storage
from tinydb.table import Table as _TinyTable

from forms_api._storage_files import (
    SNAPSHOT_FILE,
    DatabaseDamaged,
    DatabaseLocked,
    Doc,
    StorageError,
    TableData,
    backup_data_dir,
    fsync_dir,
    journal_path,
    list_journals,
    load,
    lock_dir,
    restore_data_dir,
    write_all,
    write_backup,
    write_image,
)

__all__ = [
    "MIGRATIONS",
    "SNAPSHOT_FILE",
    "Database",
    "DatabaseDamaged",
    "DatabaseLocked",
    "Query",
    "StorageError",
    "Table",
    "backup_data_dir",
    "new_id",
    "restore_data_dir",
    "where",
]

#: Compaction starts once the journals hold more operations than this and than live documents.
COMPACT_MIN_OPS = 50_000

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

logger = logging.getLogger(__name__)

Migration = Callable[["Database"], None]
T = TypeVar("T")


def new_id() -> str:
    """Return a new 26-character id: 48 bits of milliseconds, then 80 random bits (a ULID)."""
    n = (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)
    return "".join(_CROCKFORD[(n >> shift) & 31] for shift in range(125, -1, -5))


# --------------------------------------------------------------------------- in memory


def _normalise(document: Mapping[str, Any]) -> tuple[bytes, Doc]:
    """Serialise once: the bytes go to the journal, a fresh parse is what we store."""
    raw = orjson.dumps(document)
    return raw, orjson.loads(raw)


def _copy(doc: Doc) -> Doc:
    for value in doc.values():
        if type(value) is list or type(value) is dict:
            return orjson.loads(orjson.dumps(doc))  # type: ignore[no-any-return]
    return doc.copy()  # flat: a shallow copy is a full copy, at half the cost


# An undo entry: (table, doc_id, old document) or (table, None, old TableData or None).
_Undo = tuple[str, "int | None", Any]


@dataclass
class _Txn:
    undo: list[_Undo] = field(default_factory=list)
    ops: list[bytes] = field(default_factory=list)
    read_seq: int = 0  # the newest change to any table this transaction read


class _Transaction:
    """Context manager returned by ``Database.transaction()``."""

    __slots__ = ("_engine", "_outer")

    def __init__(self, engine: _DurableStorage) -> None:
        self._engine = engine
        self._outer: list[bool] = []  # one entry per open `with`, should one object be reused

    def __enter__(self) -> None:
        self._engine._lock.acquire()
        self._begin()

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        self._engine._wait_durable(self._finish(failed=exc_type is not None))

    def _begin(self) -> None:
        """Open the block (lock held; released again if the database is closed)."""
        engine = self._engine
        if engine._closed:
            engine._lock.release()
            raise StorageError("the database is closed")
        self._outer.append(engine._txn is None)
        if engine._txn is None:
            engine._txn = _Txn()

    def _finish(self, *, failed: bool) -> int:
        """Close the block and release the lock; return the sequence number to wait for."""
        engine = self._engine
        if not self._outer.pop():
            engine._lock.release()
            return 0
        txn = engine._txn
        engine._txn = None
        assert txn is not None
        try:
            if failed:
                engine._undo(txn.undo)
                return 0
            return engine._commit(txn)
        finally:
            engine._lock.release()


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


class _DurableStorage(Storage):
    """The TinyDB ``Storage`` behind ``Database``: memory image, journal, group commit.

    TinyDB's whole-database ``read()``/``write()`` contract is kept for ``TinyDB.tables()``;
    ``Table`` uses the per-document methods below instead.
    """

    def __init__(self, data_dir: Path | None = None, compact_min_ops: int = COMPACT_MIN_OPS):
        self._lock = threading.RLock()
        self._cv = threading.Condition(threading.Lock())
        self._tables: dict[str, TableData] = {}
        self._txn: _Txn | None = None
        self._written_seq = 0
        self._durable_seq = 0
        self._table_seq: dict[str, int] = {}  # table -> seq of its newest change
        self._pending: deque[tuple[int, list[_Undo]]] = deque()
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
                try:
                    self._wait_durable(self._written_seq)
                except StorageError:
                    pass
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
            return {name: dict(td.docs) for name, td in self._tables.items()}  # type: ignore[misc]

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

    def _writable(self) -> _Txn:
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

    def _undo(self, undo: list[_Undo]) -> None:
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

    def _commit(self, txn: _Txn) -> int:
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
                try:
                    loop.call_soon_threadsafe(_settle, settled)
                except RuntimeError:  # that loop is closed: nobody is left to answer
                    pass

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

    def _maybe_compact(self) -> None:
        if self._dir is None or self._compactor is not None or self._failed is not None:
            return
        live = sum(len(td.docs) for td in self._tables.values())
        if self._ops > max(self._compact_min_ops, live):
            self._compactor = threading.Thread(
                target=self._compact_in_background, name="storage-compactor", daemon=True
            )
            self._compactor.start()

    def _compact_in_background(self) -> None:
        try:
            self.compact()
        except Exception:
            logger.exception("compaction of %s failed; the journal keeps everything", self._dir)
        finally:
            self._compactor = None

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
        if self._dir is None:
            return
        data_dir = self._dir
        with self._compact_lock:
            with self._lock:
                if self._txn is not None:
                    raise StorageError("compact() cannot run inside a transaction")
                if self._closed or self._failed is not None:
                    return
                self._wait_durable(self._written_seq)
                new_gen = self._gen + 1
                path = journal_path(data_dir, new_gen)
                flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
                new_fd = os.open(path, flags, 0o600)
                try:
                    fsync_dir(data_dir)
                except BaseException:
                    os.close(new_fd)
                    path.unlink()
                    raise
                with self._cv:
                    while self._flushing:
                        self._cv.wait()
                    old_fd, self._fd = self._fd, new_fd
                self._gen, self._size = new_gen, 0
                frozen, seq = self.freeze()
                covered, self._ops = self._ops, 0
            os.close(old_fd)
            try:
                write_image(data_dir / SNAPSHOT_FILE, frozen, seq=seq, gen=new_gen, kind="snapshot")
            except BaseException:
                with self._lock:
                    self._ops += covered
                raise
            for gen, old in sorted(list_journals(data_dir).items()):
                if gen < new_gen:
                    old.unlink()
            fsync_dir(data_dir)


# --------------------------------------------------------------------------- TinyDB classes


class Table(_TinyTable):
    """A TinyDB table served from memory; documents carry our ``id`` and come back as copies.

    Differences from TinyDB's ``Table``: write methods return our ids (``str``), never doc_ids;
    reads return plain ``dict`` copies; ``get``/``contains`` take a query only (use ``get_id``).
    """

    _storage: _DurableStorage

    def __init__(self, storage: Storage, name: str, **kwargs: Any) -> None:
        kwargs.pop("persist_empty", None)
        super().__init__(storage, name, **kwargs)

    # -- reads: take references under the lock, query and copy outside it (stored documents
    #    never change, so the references are a consistent view)

    def _refs(self, pick: Callable[[TableData], list[Doc]] = lambda td: list(td.docs.values())
              ) -> list[Doc]:
        with _Transaction(self._storage):
            return pick(self._storage.table_data(self.name))

    def all(self) -> list[Doc]:  # type: ignore[override]
        return [_copy(d) for d in self._refs()]

    def search(self, cond: QueryLike) -> list[Doc]:  # type: ignore[override]
        return [_copy(d) for d in self._refs() if cond(d)]

    def find(self, **equals: Any) -> list[Doc]:
        """Documents whose fields equal ``equals``, through a hash index (built on first use)."""
        if not equals:
            raise TypeError("find() needs at least one field=value")
        return [_copy(d) for d in self._refs(lambda td: [td.docs[i] for i in td.lookup(equals)])]

    def get_id(self, id: str) -> Doc | None:
        """The document whose ``id`` is ``id``, or None."""

        def pick(td: TableData) -> list[Doc]:
            doc_id = td.by_id.get(id)
            return [] if doc_id is None else [td.docs[doc_id]]

        found = self._refs(pick)
        return _copy(found[0]) if found else None

    def get(self, cond: QueryLike | None = None, **kwargs: Any) -> Doc | None:  # type: ignore[override]
        if cond is None or kwargs:
            raise TypeError("Table.get takes a query; look documents up by id with get_id(id)")
        return next((_copy(d) for d in self._refs() if cond(d)), None)

    def contains(self, cond: QueryLike | None = None, **kwargs: Any) -> bool:  # type: ignore[override]
        return self.get(cond, **kwargs) is not None

    def count(self, cond: QueryLike | None = None, **equals: Any) -> int:  # type: ignore[override]
        """Count documents matching a query, or equal to ``equals`` (O(1), copies nothing)."""
        if (cond is None) == (not equals):
            raise TypeError("count() takes a query or field=value pairs")
        if cond is not None:
            return sum(1 for d in self._refs() if cond(d))
        with _Transaction(self._storage):
            return self._storage.table_data(self.name).count(equals)

    def __len__(self) -> int:
        with _Transaction(self._storage):
            return len(self._storage.table_data(self.name).docs)

    def __iter__(self) -> Iterator[Doc]:  # type: ignore[override]
        return iter(self.all())

    # -- writes

    def insert(self, document: Mapping[str, Any]) -> str:  # type: ignore[override]
        """Insert ``document`` (an ``id`` is generated when it has none); return its id."""
        if not isinstance(document, Mapping):
            raise ValueError("Document is not a Mapping")
        doc = dict(document)
        if doc.get("id") is None:
            doc["id"] = new_id()
        elif not isinstance(doc["id"], str):
            raise ValueError(f"a document's id must be a string, got {doc['id']!r}")
        raw, stored = _normalise(doc)
        with _Transaction(self._storage):
            self._storage.insert(self.name, stored, raw)
        return stored["id"]  # type: ignore[no-any-return]

    def insert_multiple(self, documents: Iterable[Mapping[str, Any]]) -> list[str]:  # type: ignore[override]
        with _Transaction(self._storage):
            return [self.insert(document) for document in documents]

    def _rewrite(
        self,
        fields: Mapping[str, Any] | Callable[[MutableMapping[str, Any]], None],
        targets: list[int],
    ) -> list[Doc]:
        storage, td = self._storage, self._storage.table_data(self.name)
        written = []
        for doc_id in targets:
            old = td.docs[doc_id]
            if callable(fields):
                new = _copy(old)
                fields(new)
            else:
                new = {**old, **fields}
            if new.get("id") != old["id"]:
                raise ValueError(f"the id of a document cannot change (id {old['id']!r})")
            raw, stored = _normalise(new)
            storage.replace(self.name, doc_id, stored, raw)
            written.append(stored)
        return written

    def update(  # type: ignore[override]
        self,
        fields: Mapping[str, Any] | Callable[[MutableMapping[str, Any]], None],
        cond: QueryLike | None = None,
        doc_ids: Iterable[int] | None = None,
    ) -> list[str]:
        """Update every document matching ``cond`` (all without one); return their ids."""
        if doc_ids is not None:
            raise TypeError("Table.update takes a query; update one document with update_id(id)")
        with _Transaction(self._storage):
            td = self._storage.table_data(self.name)
            targets = [i for i, d in td.docs.items() if cond is None or cond(d)]
            return [d["id"] for d in self._rewrite(fields, targets)]

    def update_multiple(  # type: ignore[override]
        self,
        updates: Iterable[tuple[Mapping[str, Any] | Callable[[MutableMapping[str, Any]], None], QueryLike]],
    ) -> list[str]:
        with _Transaction(self._storage):
            return [i for fields, cond in updates for i in self.update(fields, cond)]

    def update_id(self, id: str, fields: Mapping[str, Any]) -> Doc | None:
        """Set ``fields`` on the document ``id``; return the updated copy, or None if absent."""
        with _Transaction(self._storage):
            doc_id = self._storage.table_data(self.name).by_id.get(id)
            if doc_id is None:
                return None
            return _copy(self._rewrite(fields, [doc_id])[0])

    def upsert(self, document: Mapping[str, Any], cond: QueryLike | None = None) -> list[str]:  # type: ignore[override]
        if cond is None:
            raise ValueError("upsert needs a query")
        with _Transaction(self._storage):
            return self.update(document, cond) or [self.insert(document)]

    def remove(self, cond: QueryLike | None = None, doc_ids: Iterable[int] | None = None) -> list[str]:  # type: ignore[override]
        """Remove every document matching ``cond``; return their ids."""
        if cond is None or doc_ids is not None:
            raise TypeError("Table.remove takes a query; remove one document with remove_id(id)")
        with _Transaction(self._storage):
            td = self._storage.table_data(self.name)
            targets = [(i, d["id"]) for i, d in td.docs.items() if cond(d)]
            for doc_id, _ in targets:
                self._storage.delete(self.name, doc_id)
            return [id for _, id in targets]

    def remove_id(self, id: str) -> bool:
        """Remove the document ``id``; return whether it existed."""
        with _Transaction(self._storage):
            doc_id = self._storage.table_data(self.name).by_id.get(id)
            if doc_id is None:
                return False
            self._storage.delete(self.name, doc_id)
            return True

    def truncate(self) -> None:
        with _Transaction(self._storage):
            self._storage.truncate(self.name)

    def clear_cache(self) -> None:
        """Nothing to clear: searches are not cached (memory is the cache)."""

    def _update_table(self, updater: Callable[[dict[int, Mapping[str, Any]]], None]) -> None:
        raise NotImplementedError("every write of Table goes through the journal methods")


class Database(TinyDB):
    """The portal's database: ``Database.open(data_dir)`` or ``Database.memory()``."""

    table_class = Table
    default_storage_class = _DurableStorage  # Database() without arguments: in memory
    _storage: _DurableStorage

    @classmethod
    def open(
        cls,
        data_dir: Path | str,
        *,
        migrations: Sequence[Migration] | None = None,
        compact_min_ops: int = COMPACT_MIN_OPS,
    ) -> Database:
        """Lock ``data_dir``, load it, run pending migrations.

        Raises DatabaseLocked while another process (or Database) holds the directory,
        DatabaseDamaged when its files do not load; a compaction may start in the background.
        """
        db = cls(Path(data_dir), storage=_DurableStorage, compact_min_ops=compact_min_ops)
        try:
            db._migrate(MIGRATIONS if migrations is None else migrations)
            with db._storage._lock:
                db._storage._maybe_compact()
        except BaseException:
            db.close()
            raise
        return db

    @classmethod
    def memory(cls, *, migrations: Sequence[Migration] | None = None) -> Database:
        """A database in memory with the same semantics and no files, for tests."""
        db = cls(None, storage=_DurableStorage)
        db._migrate(MIGRATIONS if migrations is None else migrations)
        return db

    @property
    def data_dir(self) -> Path | None:
        return self._storage._dir

    def table(self, name: str, **kwargs: Any) -> Table:
        return super().table(name, **kwargs)  # type: ignore[return-value]

    def transaction(self) -> _Transaction:
        """One re-entrant lock around a read-modify-write; leaving the outermost block commits.

        Leaving it returns once every change made so far is fsynced. An exception that leaves
        the outermost block undoes all of its changes (inner blocks do not undo on their own).
        """
        return _Transaction(self._storage)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in one transaction, from the event loop; return once it is durable.

        For short in-memory work (lookups, a few changes): when the lock is free, ``fn`` and
        the journal line's ``os.write`` run right here on the loop (microseconds) and only the
        fsync happens elsewhere (``durable()``), so a request makes no thread-pool hop. When
        another thread holds the lock (a compaction starting, an export copying), the whole
        call goes to a worker thread instead: the loop never blocks on the lock.
        """
        engine = self._storage
        if not engine._lock.acquire(blocking=False):
            return await asyncio.to_thread(self._run_blocking, fn, *args)
        if engine._txn is not None:  # the lock is ours already: a sync transaction is open
            engine._lock.release()
            raise RuntimeError("Database.run() cannot be called inside a transaction")
        txn = _Transaction(engine)
        txn._begin()
        try:
            result = fn(*args)
        except BaseException:
            txn._finish(failed=True)
            raise
        await engine.durable(txn._finish(failed=False))
        return result

    def _run_blocking(self, fn: Callable[..., T], *args: Any) -> T:
        with self.transaction():
            return fn(*args)

    def drop_table(self, name: str) -> None:
        with self.transaction():
            self._storage.truncate(name, drop=True)
        self._tables.pop(name, None)

    def drop_tables(self) -> None:
        with self.transaction():
            for name in list(self._storage._tables):
                self._storage.truncate(name, drop=True)
        self._tables.clear()

    def compact(self) -> None:
        """Write a snapshot now and drop the journals it covers (normally done in background)."""
        self._storage.compact()

    def backup(self, dest_dir: Path | str, keep: int = 14) -> Path:
        """Write a consistent snapshot to ``dest_dir`` while serving; keep the newest ``keep``."""
        with self.transaction():  # a reading transaction: what it copies is durable on return
            frozen, seq = self._storage.freeze()
        return write_backup(Path(dest_dir), frozen, seq, keep)

    def schema_version(self) -> int:
        row = self.table("_meta").get_id("schema")
        return 0 if row is None else int(row["version"])

    def _migrate(self, migrations: Sequence[Migration]) -> None:
        version = self.schema_version()
        if version > len(migrations):
            raise StorageError(
                f"the database in {self.data_dir} has schema version {version}, newer than "
                f"this portal knows ({len(migrations)}); run a newer portal"
            )
        meta = self.table("_meta")
        for number, migration in enumerate(migrations[version:], start=version + 1):
            with self.transaction():  # the migration and its version bump commit together
                migration(self)
                if meta.update_id("schema", {"version": number}) is None:
                    meta.insert({"id": "schema", "version": number})
            logger.info("database schema migrated to version %d", number)


def _m001_schema_version(db: Database) -> None:
    """Version 1: the schema version is kept in the ``_meta`` table."""


#: Ordered schema migrations; the database stores how many have run. Append, never reorder.
MIGRATIONS: list[Migration] = [_m001_schema_version]


# --------------------------------------------------------------------------- backup, restore


