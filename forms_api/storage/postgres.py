"""PostgreSQL as the second backend: the same ``Database``/``Table`` interface, many instances.

``PORTAL_DATABASE_URL=postgresql://…`` selects it (``factory.open_database``); psycopg 3 with
``psycopg_pool`` connects. Domain code does not change: it sees ``Database`` and ``Table``.

Schema: one table for every collection, ``portal_documents(collection, id, pos, doc jsonb)``,
primary key ``(collection, id)``. We chose it over one table per collection because
collections appear on their first insert, as in TinyDB, and creating tables at run time would
need DDL rights for the portal's account and would race between instances; because one GIN
index (``jsonb_path_ops``) on ``doc`` serves every equality lookup the rules make (``find`` and
``count`` by phone and session, by expert and slot, by status) with no index to add per rule;
and because ``pos`` (an identity column) keeps the insertion order ``all()`` and ``find()``
promise, as the journal does. A lookup is ``doc @> {fields}`` (through the index) plus an exact
``doc -> field = value`` per field, so lists and objects compare whole, as in the journal.

Transactions: every ``with db.transaction():`` block and every write outside one runs in a
PostgreSQL transaction that first takes one transaction-scoped advisory lock
(``pg_advisory_xact_lock``), released by its commit or rollback. That is the journal's
single-writer lock, held across every instance on the database: each rule, which the domains
write as read-check-write in one transaction (one check-in per phone and session, a session's
capacity, registration and its waitlist, an expert's slot confirmed once, the rota's last seat,
idempotency keys), holds across instances exactly as it holds across threads today, with no
rule-specific SQL and nothing to retry. We chose it over SERIALIZABLE with retries because a
``with`` block cannot be re-run (retries would constrain domain code to pure functions of the
database) and over per-rule unique constraints or row locks because the rules check counts and
absences, which neither expresses; the price is that writes are serialised, as they are in the
journal, at one commit (one round trip and one WAL flush) each. Reads outside a transaction take
no lock: each is one statement on a committed snapshot. The primary key is the backstop for ids.

Errors: every psycopg error (lost connection, pool timeout, lock timeout, a refused statement)
becomes ``StorageError``, which the web layer answers with 503; a transaction whose commit
failed raises too, so no change that PostgreSQL did not commit is ever answered as saved. The
messages carry the error's class and SQLSTATE only, never a document's values.

The schema version lives in the ``_meta`` collection, as in the journal; ``migrations.migrate``
re-reads it under the lock, so two instances starting together run each migration once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import psycopg_pool

from forms_api.storage.database import Database
from forms_api.storage.errors import StorageError
from forms_api.storage.files import write_backup
from forms_api.storage.indexes import Doc
from forms_api.storage.interface import Table, normalise
from forms_api.storage.jsonb import dumps, escape, json_text, loads
from forms_api.storage.migrations import MIGRATIONS, Migration

T = TypeVar("T")

#: The advisory lock every writing transaction holds (any fixed bigint; "xinyuPT1" in ASCII).
LOCK_KEY = 0x78696E7975505431
#: How long a transaction waits for the lock before giving up with StorageError (503).
LOCK_TIMEOUT = "15s"

SCHEMA = """
CREATE TABLE IF NOT EXISTS portal_documents (
    collection text NOT NULL,
    id text NOT NULL,
    pos bigint GENERATED ALWAYS AS IDENTITY,
    doc jsonb NOT NULL,
    PRIMARY KEY (collection, id)
);
CREATE INDEX IF NOT EXISTS portal_documents_order ON portal_documents (collection, pos);
CREATE INDEX IF NOT EXISTS portal_documents_doc ON portal_documents USING gin (doc jsonb_path_ops);
"""


def storage_error(exc: BaseException) -> StorageError:
    """A StorageError naming what failed without quoting the statement or its values."""
    state = getattr(exc, "sqlstate", None)
    return StorageError(f"the PostgreSQL database failed ({type(exc).__name__}"
                        f"{f', SQLSTATE {state}' if state else ''}); try again later")


@contextmanager
def translated() -> Iterator[None]:
    """Turn psycopg's and the pool's errors into StorageError."""
    try:
        yield
    except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
        raise storage_error(exc) from exc


class _State(threading.local):
    conn: psycopg.Connection[Any] | None = None
    depth = 0


class PgTransaction(AbstractContextManager[None]):
    """``with db.transaction():`` on PostgreSQL: one connection, the advisory lock, commit."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    def __enter__(self) -> None:
        state = self._db._state
        if state.depth == 0:
            with translated():
                conn = self._db._pool.getconn()
                try:
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
                except BaseException:
                    conn.rollback()
                    self._db._pool.putconn(conn)
                    raise
            state.conn = conn
        state.depth += 1

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        state = self._db._state
        state.depth -= 1
        if state.depth:
            return
        conn, state.conn = state.conn, None
        assert conn is not None
        try:
            if exc_type is None:
                with translated():
                    conn.commit()
            else:
                conn.rollback()
        except psycopg.Error:
            pass  # the block's own exception is the one to see; the rollback happens anyway
        finally:
            self._db._pool.putconn(conn)


class PgTable(Table):
    """A collection stored as rows of ``portal_documents``."""

    def __init__(self, db: PgDatabase, name: str) -> None:
        self._db = db
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def _rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self._db._connection() as conn, translated():
            return conn.execute(sql, params).fetchall()

    def all(self) -> list[Doc]:
        rows = self._rows("SELECT doc::text FROM portal_documents WHERE collection = %s"
                          " ORDER BY pos", [self._name])
        return [loads(text) for text, in rows]

    def _where(self, equals: Mapping[str, Any]) -> tuple[str, list[Any]]:
        if not equals:
            raise TypeError("find() needs at least one field=value")
        sql = ["collection = %s AND doc @> %s::jsonb"]
        params: list[Any] = [self._name, dumps(dict(equals))]
        for field, value in equals.items():
            sql.append("doc -> %s = %s::jsonb")
            params.extend((escape(field), dumps(value)))
        return " AND ".join(sql), params

    def find(self, **equals: Any) -> list[Doc]:
        where, params = self._where(equals)
        rows = self._rows(f"SELECT doc::text FROM portal_documents WHERE {where} ORDER BY pos",
                          params)
        return [loads(text) for text, in rows]

    def get_id(self, id: str) -> Doc | None:
        rows = self._rows("SELECT doc::text FROM portal_documents"
                          " WHERE collection = %s AND id = %s", [self._name, escape(id)])
        return loads(rows[0][0]) if rows else None

    def count(self, **equals: Any) -> int:
        where, params = self._where(equals)
        return int(self._rows(f"SELECT count(*) FROM portal_documents WHERE {where}",
                              params)[0][0])

    def __len__(self) -> int:
        return int(self._rows("SELECT count(*) FROM portal_documents"
                              " WHERE collection = %s", [self._name])[0][0])

    def __iter__(self) -> Iterator[Doc]:
        return iter(self.all())

    def _insert(self, stored: Doc, raw: bytes) -> None:
        with self._db.transaction():
            rows = self._rows("INSERT INTO portal_documents (collection, id, doc)"
                              " VALUES (%s, %s, %s::jsonb)"
                              " ON CONFLICT (collection, id) DO NOTHING RETURNING pos",
                              [self._name, escape(stored["id"]), json_text(raw)])
        if not rows:
            raise ValueError(f"table {self._name!r} already holds a document with id "
                             f"{stored['id']!r}")

    def insert_multiple(self, documents: Iterable[Mapping[str, Any]]) -> list[str]:
        with self._db.transaction():
            return [self.insert(document) for document in documents]

    def update_id(self, id: str, fields: Mapping[str, Any]) -> Doc | None:
        if fields.get("id", id) != id:
            raise ValueError(f"the id of a document cannot change (id {id!r})")
        raw, _ = normalise(fields)  # refuses what JSON cannot hold before anything changes
        with self._db.transaction():
            rows = self._rows("UPDATE portal_documents SET doc = doc || %s::jsonb"
                              " WHERE collection = %s AND id = %s RETURNING doc::text",
                              [json_text(raw), self._name, escape(id)])
        return loads(rows[0][0]) if rows else None

    def remove_id(self, id: str) -> bool:
        with self._db.transaction():
            rows = self._rows("DELETE FROM portal_documents WHERE collection = %s AND id = %s"
                              " RETURNING pos", [self._name, escape(id)])
        return bool(rows)

    def truncate(self) -> None:
        with self._db.transaction():
            self._rows("DELETE FROM portal_documents WHERE collection = %s RETURNING pos",
                       [self._name])


class PgDatabase(Database):
    """The portal's database on a PostgreSQL server: ``PgDatabase.connect(url)``."""

    #: How often an instance not running a job tries to take it over (README: job takeover).
    SINGLETON_RETRY = 2.0

    def __init__(self, pool: psycopg_pool.ConnectionPool[psycopg.Connection[Any]], url: str
                 ) -> None:
        self._pool = pool
        self._url = url
        self._state = _State()
        self._tables: dict[str, PgTable] = {}

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        migrations: Sequence[Migration] | None = None,
        pool_size: int = 10,
    ) -> PgDatabase:
        """Connect, create the schema if it is missing, run pending migrations.

        Raises StorageError when the server cannot be reached or refuses.
        """
        try:  # once by hand first: a wrong URL fails now and clearly, not after the pool's wait
            psycopg.connect(url, connect_timeout=10).close()
        except psycopg.Error as exc:
            raise StorageError(
                f"cannot connect to the PostgreSQL database of PORTAL_DATABASE_URL "
                f"({type(exc).__name__}); check the URL and that the server accepts the portal"
            ) from exc
        pool: psycopg_pool.ConnectionPool[psycopg.Connection[Any]] = psycopg_pool.ConnectionPool(
            url, min_size=1, max_size=pool_size, open=False, configure=_configure,
            name="portal", timeout=30.0,
        )
        with translated():
            pool.open(wait=True, timeout=30.0)
        db = cls(pool, url)
        try:
            with db.transaction(), db._connection() as conn, translated():
                conn.execute(SCHEMA)  # under the lock: instances starting together do not race
            db._migrate(MIGRATIONS if migrations is None else migrations)
        except BaseException:
            db.close()
            raise
        return db

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        """This thread's transaction's connection, or a pooled one for one statement."""
        conn = self._state.conn
        if conn is not None:
            yield conn
            return
        with translated(), self._pool.connection() as pooled:
            yield pooled

    @property
    def data_dir(self) -> Path | None:
        return None

    @property
    def shared(self) -> bool:
        return True

    @contextlib.asynccontextmanager
    async def singleton(self, name: str) -> AsyncIterator[None]:
        """Hold ``name``'s session-level advisory lock on a connection of its own; the others
        try again every ``SINGLETON_RETRY`` s, so one takes over when the holder stops (or its
        connection dies, which releases the lock)."""
        key = singleton_key(name)
        while True:
            attempt = asyncio.ensure_future(asyncio.to_thread(self._try_lock, key))
            try:
                conn = await asyncio.shield(attempt)
            except StorageError:
                conn = None
            except asyncio.CancelledError:  # stopping: never leave a lock held by nobody
                with contextlib.suppress(StorageError):
                    won = await attempt
                    if won is not None:
                        won.close()
                raise
            if conn is not None:
                break
            await asyncio.sleep(self.SINGLETON_RETRY)
        try:
            yield
        finally:
            conn.close()  # ends the session, which releases the lock (quick: one message)

    def _try_lock(self, key: int) -> psycopg.Connection[Any] | None:
        with translated():
            conn = psycopg.connect(self._url, autocommit=True, connect_timeout=10,
                                   application_name="xinyu-portal-job")
            try:
                row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
            except BaseException:
                conn.close()
                raise
        if row is not None and row[0] is True:
            return conn
        conn.close()
        return None

    def table(self, name: str) -> PgTable:
        table = self._tables.get(name)
        if table is None:
            table = self._tables[name] = PgTable(self, name)
        return table

    def transaction(self) -> PgTransaction:
        """A PostgreSQL transaction holding the portal's advisory lock; re-entrant per thread."""
        return PgTransaction(self)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in one transaction on a worker thread; return once it is committed."""
        if self._state.depth:
            raise RuntimeError("Database.run() cannot be called inside a transaction")
        return await asyncio.to_thread(self._run_blocking, fn, *args)

    def _run_blocking(self, fn: Callable[..., T], *args: Any) -> T:
        with self.transaction():
            return fn(*args)

    def close(self) -> None:
        self._pool.close()

    def compact(self) -> None:
        """VACUUM the documents, so that the space of deleted ones is reclaimed."""
        with translated(), psycopg.connect(self._url, autocommit=True) as conn:
            conn.execute("VACUUM portal_documents")

    def backup(self, dest_dir: Path | str, keep: int = 14) -> Path:
        """Write every document, from one snapshot, in the portal's backup format.

        ``portal restore`` reads it into an embedded data directory; for the server itself use
        its own tools (``pg_dump``), which also keep what the portal does not know about.
        """
        with translated(), psycopg.connect(self._url) as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            rows = conn.execute("SELECT collection, pos, doc::text FROM portal_documents"
                                " ORDER BY collection, pos").fetchall()
        frozen: dict[str, list[tuple[int, Doc]]] = {}
        for collection, pos, text in rows:
            frozen.setdefault(collection, []).append((int(pos), loads(text)))
        return write_backup(Path(dest_dir), list(frozen.items()), 0, keep)

    def collections(self) -> list[str]:
        with self._connection() as conn, translated():
            rows = conn.execute("SELECT DISTINCT collection FROM portal_documents"
                                " ORDER BY collection").fetchall()
        return [name for name, in rows]

    def drop_table(self, name: str) -> None:
        self.table(name).truncate()
        self._tables.pop(name, None)


def singleton_key(name: str) -> int:
    """The advisory lock key (a signed bigint) of the job ``name``."""
    digest = hashlib.sha256(f"xinyu-portal job {name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _configure(conn: psycopg.Connection[Any]) -> None:
    """Each new pooled connection: name it, and bound how long it waits for the lock."""
    conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
    conn.execute("SET application_name = 'xinyu-portal'")
    conn.commit()
