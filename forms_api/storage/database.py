"""``Database``: the interface both backends implement, and the embedded journal's database."""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, TypeVar

from tinydb import TinyDB

from forms_api.storage.files import write_backup
from forms_api.storage.interface import Table
from forms_api.storage.journal import COMPACT_MIN_OPS, DurableStorage
from forms_api.storage.migrations import MIGRATIONS, Migration, migrate
from forms_api.storage.tables import JournalTable
from forms_api.storage.transaction import Transaction

T = TypeVar("T")


class Database(ABC):
    """The portal's database: ``Database.open(data_dir)``, ``Database.memory()`` (the embedded
    journal) or ``postgres.PgDatabase.connect(url)``; ``open_database(settings)`` picks one."""

    @classmethod
    def open(
        cls,
        data_dir: Path | str,
        *,
        migrations: Sequence[Migration] | None = None,
        compact_min_ops: int = COMPACT_MIN_OPS,
    ) -> Database:
        """The embedded journal database in ``data_dir`` (see ``JournalDatabase.open``)."""
        return JournalDatabase.open(data_dir, migrations=migrations,
                                    compact_min_ops=compact_min_ops)

    @classmethod
    def memory(cls, *, migrations: Sequence[Migration] | None = None) -> Database:
        """A database in memory with the same semantics and no files, for tests."""
        return JournalDatabase.memory(migrations=migrations)

    @property
    @abstractmethod
    def data_dir(self) -> Path | None:
        """The embedded database's directory; None in memory and on a database server."""

    @property
    def shared(self) -> bool:
        """Whether several portal instances may use this database at once (a database server).

        What an instance would otherwise keep to itself (console sessions, the login throttle,
        the form-signing key, background jobs) then lives in the database or under its locks.
        """
        return False

    @contextlib.asynccontextmanager
    async def singleton(self, name: str) -> AsyncIterator[None]:
        """Wait until this instance is the one that runs the job ``name``, for the block's life.

        One process owns an embedded database, so it always is at once; a shared database
        (PostgreSQL) lets exactly one of its instances in at a time.
        """
        yield

    @abstractmethod
    def table(self, name: str) -> Table:
        """The collection ``name`` (created by its first insert)."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """A re-entrant block whose reads and writes no other transaction interleaves."""

    @abstractmethod
    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in one transaction, from the event loop; return once it is durable."""

    @abstractmethod
    def close(self) -> None:
        """Wait for pending writes and release the database."""

    @abstractmethod
    def compact(self) -> None:
        """Reclaim the space of deleted documents, so that they leave the files too."""

    @abstractmethod
    def backup(self, dest_dir: Path | str, keep: int = 14) -> Path:
        """Write a consistent backup file to ``dest_dir``; keep the newest ``keep``."""

    @abstractmethod
    def collections(self) -> list[str]:
        """The names of the collections that hold documents (or did, for the journal)."""

    @abstractmethod
    def drop_table(self, name: str) -> None:
        """Remove the collection ``name`` and every document in it."""

    def schema_version(self) -> int:
        """How many of ``MIGRATIONS`` this database has run."""
        row = self.table("_meta").get_id("schema")
        return 0 if row is None else int(row["version"])

    def _migrate(self, migrations: Sequence[Migration]) -> None:
        migrate(self, migrations)


class JournalDatabase(TinyDB, Database):
    """The embedded database: TinyDB's API over ``journal.DurableStorage``."""

    # TinyDB annotates these with its own classes; ours replace them on purpose.
    table_class = JournalTable  # type: ignore[assignment]
    default_storage_class = DurableStorage  # type: ignore[assignment]  # no arguments: in memory
    _storage: DurableStorage

    @classmethod
    def open(
        cls,
        data_dir: Path | str,
        *,
        migrations: Sequence[Migration] | None = None,
        compact_min_ops: int = COMPACT_MIN_OPS,
    ) -> JournalDatabase:
        """Lock ``data_dir``, load it, run pending migrations.

        Raises DatabaseLocked while another process (or Database) holds the directory,
        DatabaseDamaged when its files do not load; a compaction may start in the background.
        """
        db = cls(Path(data_dir), storage=DurableStorage, compact_min_ops=compact_min_ops)
        try:
            db._migrate(MIGRATIONS if migrations is None else migrations)
            with db._storage._lock:
                db._storage._maybe_compact()
        except BaseException:
            db.close()
            raise
        return db

    @classmethod
    def memory(cls, *, migrations: Sequence[Migration] | None = None) -> JournalDatabase:
        """A database in memory with the same semantics and no files, for tests."""
        db = cls(None, storage=DurableStorage)
        db._migrate(MIGRATIONS if migrations is None else migrations)
        return db

    @property
    def data_dir(self) -> Path | None:
        return self._storage._dir

    def table(self, name: str, **kwargs: Any) -> JournalTable:
        return super().table(name, **kwargs)  # type: ignore[return-value]

    def transaction(self) -> Transaction:
        """One re-entrant lock around a read-modify-write; leaving the outermost block commits.

        Leaving it returns once every change made so far is fsynced. An exception that leaves
        the outermost block undoes all of its changes (inner blocks do not undo on their own).
        """
        return Transaction(self._storage)

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
        txn = Transaction(engine)
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

    def collections(self) -> list[str]:
        with self.transaction():
            return list(self._storage._tables)
