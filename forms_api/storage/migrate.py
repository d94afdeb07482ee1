"""``portal migrate --to postgresql://…``: copy an embedded data directory into PostgreSQL.

The source is opened like a server opens it (its lock held, so no server may be writing, and
pending migrations run); the target must be an empty database. Every collection, ``_meta``
and so the schema version included, is copied in insertion order in one PostgreSQL
transaction, then read back through the same transaction and compared, count and checksum per
collection; any difference rolls the whole copy back, leaving the target as empty as it was.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import psycopg

from forms_api.settings import Settings
from forms_api.storage.database import Database
from forms_api.storage.errors import StorageError
from forms_api.storage.indexes import Doc
from forms_api.storage.jsonb import jsonb_text, stored_id
from forms_api.storage.postgres import PgDatabase, translated


@dataclass(frozen=True)
class Copied:
    """One collection as copied and verified."""

    collection: str
    count: int
    checksum: str


def checksum(docs: list[Doc]) -> str:
    """SHA-256 over the documents in canonical JSON (sorted keys), in id order."""
    digest = hashlib.sha256()
    for doc in sorted(docs, key=lambda d: str(d["id"])):
        digest.update(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS) + b"\n")
    return digest.hexdigest()


def refuse_unless_empty(url: str) -> None:
    """StorageError unless the target holds no portal documents (a fresh database)."""
    with translated(), psycopg.connect(url, connect_timeout=10) as conn:
        table = conn.execute("SELECT to_regclass('portal_documents')").fetchone()
        used = table is not None and table[0] is not None and conn.execute(
            "SELECT EXISTS (SELECT 1 FROM portal_documents)").fetchone() == (True,)
        if used:
            raise StorageError("the target database already holds portal data; migrate only "
                               "into an empty database (nothing was changed)")


def read_back(target: PgDatabase, collection: str) -> list[Doc]:
    """The documents of ``collection`` as the target stores them (inside the copy's txn)."""
    return target.table(collection).all()


def copy_to_postgresql(data_dir: Path, url: str) -> list[Copied]:
    """Copy the database in ``data_dir`` into the empty PostgreSQL database at ``url``."""
    refuse_unless_empty(url)
    source = Database.open(data_dir)
    try:
        target = PgDatabase.connect(url, migrations=[])  # the schema version comes with _meta
        try:
            return _copy(source, target)
        finally:
            target.close()
    finally:
        source.close()


def _copy(source: Database, target: PgDatabase) -> list[Copied]:
    copied = []
    with target.transaction(), target._connection() as conn:
        for name in sorted(source.collections()):
            docs = source.table(name).all()
            with translated(), conn.cursor().copy(
                    "COPY portal_documents (collection, id, doc) FROM STDIN") as copy:
                for doc in docs:
                    copy.write_row((name, stored_id(doc["id"]), jsonb_text(doc)))
            stored = read_back(target, name)
            expected = Copied(name, len(docs), checksum(docs))
            found = Copied(name, len(stored), checksum(stored))
            if found != expected:
                raise StorageError(
                    f"the copy of {name!r} does not match ({found.count} documents stored of "
                    f"{expected.count}, checksums {found.checksum[:12]} and "
                    f"{expected.checksum[:12]}); nothing was kept in the target"
                )
            copied.append(expected)
    return copied


def cmd_migrate(args: argparse.Namespace) -> int:
    """The ``portal migrate`` command: copy, verify, print one line per collection."""
    settings = Settings.from_env()
    url: str = args.to
    if not url.startswith(("postgresql://", "postgres://")):
        print("Migration refused: --to must be a postgresql://… URL", file=sys.stderr)
        return 2
    try:
        copied = copy_to_postgresql(settings.data_dir, url)
    except StorageError as exc:
        print(f"Migration failed: {exc}", file=sys.stderr)
        return 1
    for entry in copied:
        print(f"{entry.collection}: {entry.count} documents, sha256 {entry.checksum[:16]}")
    total = sum(entry.count for entry in copied)
    print(f"Copied {total} documents in {len(copied)} collections from {settings.data_dir}; "
          f"counts and checksums match. Set PORTAL_DATABASE_URL to serve from PostgreSQL.")
    return 0


def add_command(commands: Any) -> None:
    """Register ``portal migrate`` on the CLI's subparsers."""
    migrate = commands.add_parser(
        "migrate", help="copy the database in PORTAL_DATA_DIR into an empty PostgreSQL database")
    migrate.add_argument("--to", required=True, metavar="URL",
                         help="the target, postgresql://user:password@host/dbname")
    migrate.set_defaults(handler=cmd_migrate)
