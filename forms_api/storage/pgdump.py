"""``portal backup``/``restore`` on PostgreSQL: PostgreSQL's own pg_dump and pg_restore.

A custom-format dump (``pg_dump --format=custom``) keeps everything the database holds,
compressed, restorable table by table, and is what the bureau's database administrators know.
The connection travels in libpq's environment variables (``PGHOST``, ``PGPASSWORD``, …), so the
password never appears on a command line (``ps``) or in a log. The tools come from ``PATH``,
``PORTAL_PG_BINDIR`` or Debian's ``/usr/lib/postgresql/<version>/bin``; their major version must
be at least the server's, as pg_dump itself checks.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

from forms_api.storage.errors import StorageError

SUFFIX = ".dump"
_ENV = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD",
        "dbname": "PGDATABASE", "sslmode": "PGSSLMODE"}


def find_tool(name: str) -> str:
    """The path of ``pg_dump`` or ``pg_restore``; StorageError naming what to install."""
    configured = os.environ.get("PORTAL_PG_BINDIR")
    if configured and (Path(configured) / name).is_file():
        return str(Path(configured) / name)
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                      key=lambda p: int(p.parent.parent.name)
                      if p.parent.parent.name.isdigit() else 0, reverse=True)
    if versions:
        return str(versions[0])
    raise StorageError(f"{name} is not installed: install postgresql-client (or set "
                       f"PORTAL_PG_BINDIR to the directory holding it)")


def _environment(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for key, value in conninfo_to_dict(url).items():
        if key in _ENV and value is not None:
            env[_ENV[key]] = str(value)
    return env


def _run(command: list[str], url: str) -> None:
    result = subprocess.run(command, env=_environment(url), capture_output=True, text=True,
                            timeout=6 * 3600, check=False)
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise StorageError(f"{Path(command[0]).name} failed: {detail}")


def dump(url: str, dest_dir: Path, keep: int = 14) -> Path:
    """Write ``portal-<UTC time>.dump`` into ``dest_dir``; keep the newest ``keep`` dumps."""
    dest_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = dest_dir / f"portal-{stamp}{SUFFIX}"
    partial = path.with_suffix(".partial")
    _run([find_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
          f"--file={partial}"], url)
    os.chmod(partial, 0o600)
    os.replace(partial, path)
    for old in sorted(dest_dir.glob(f"portal-*{SUFFIX}"))[:-keep] if keep > 0 else []:
        old.unlink()
    return path


def restore(url: str, source: Path) -> None:
    """Replace the portal's tables in the database with those of ``source``, all or nothing."""
    if not source.is_file():
        raise StorageError(f"{source} does not exist")
    dbname = str(conninfo_to_dict(url).get("dbname") or "postgres")  # no password in it
    _run([find_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", f"--dbname={dbname}", str(source)], url)
