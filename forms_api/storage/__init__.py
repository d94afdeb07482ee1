"""Durable TinyDB for the portal: tables in memory, a journal on disk, group commit.

This package is the only code that imports ``tinydb``. The rest of the code keeps TinyDB's
``Table``/``Query`` API; what changes is underneath it, through TinyDB's own extension points
(``TinyDB.table_class`` and the ``Storage`` class). Its modules, bottom up:

- ``errors``: ``StorageError``, ``DatabaseLocked``, ``DatabaseDamaged``;
- ``indexes``: one table in memory (``TableData``: documents, id map, equality indexes);
- ``files``: the file formats, the directory lock, loading, snapshots, backup and restore
  (no TinyDB there);
- ``transaction``: a transaction's undo log and the ``with db.transaction():`` block;
- ``journal``: the engine (``DurableStorage``): commit, group commit, I/O failures;
- ``compaction``: snapshots written while serving;
- ``interface``: ``Table``, the collection interface both backends implement, and ``new_id``;
- ``tables``: ``JournalTable``; ``migrations``: ``MIGRATIONS``; ``database``: the ``Database``
  interface and ``JournalDatabase``;
- ``postgres``: the second backend, ``PgDatabase`` (its own design argument is its docstring);
  ``factory``: ``open_database(settings)`` picks the backend; ``migrate``: journal → PostgreSQL.

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

from tinydb import Query, where

from forms_api.storage.database import Database, JournalDatabase
from forms_api.storage.errors import DatabaseDamaged, DatabaseLocked, StorageError
from forms_api.storage.files import SNAPSHOT_FILE, backup_data_dir, restore_data_dir
from forms_api.storage.interface import Table, new_id
from forms_api.storage.journal import COMPACT_MIN_OPS
from forms_api.storage.migrations import MIGRATIONS, Migration
from forms_api.storage.tables import JournalTable

__all__ = [
    "COMPACT_MIN_OPS",
    "MIGRATIONS",
    "SNAPSHOT_FILE",
    "Database",
    "DatabaseDamaged",
    "DatabaseLocked",
    "JournalDatabase",
    "JournalTable",
    "Migration",
    "Query",
    "StorageError",
    "Table",
    "backup_data_dir",
    "new_id",
    "restore_data_dir",
    "where",
]
