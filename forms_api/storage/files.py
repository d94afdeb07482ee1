"""The files of the portal database: journal lines, snapshots, backups, the directory lock.

No TinyDB here: the engine (``journal``) builds the database on top of this module. The
formats, all UTF-8 JSON lines:

- ``portal.journal.<gen>``: one line per committed transaction, ``[seq, [op, ...]]`` where an op
  is ``["p", table, doc_id, document]`` (put), ``["d", table, doc_id]`` (delete),
  ``["t", table]`` (truncate) or ``["x", table]`` (drop). ``seq`` counts up by one, across
  generations.
- ``portal.snapshot`` and backups: a header ``{"format", "version", "kind", "seq",
  "journal_gen", "created_at", "tables"}``, one ``[table, doc_id, document]`` line per document,
  and a footer ``{"end": true, "count": n}``. The database is the snapshot plus the journals
  from ``journal_gen`` on.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson

from forms_api.storage.errors import (
    DatabaseDamaged,
    DatabaseLocked,
    StorageError,
    damaged,
)
from forms_api.storage.indexes import Doc, TableData

LOCK_FILE = "portal.lock"
SNAPSHOT_FILE = "portal.snapshot"
JOURNAL_PREFIX = "portal.journal."
BACKUP_PREFIX = "portal-backup-"
BACKUP_SUFFIX = ".jsonl"
FORMAT = "xinyu-portal-db"
FORMAT_VERSION = 1

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
_JOURNAL_RE = re.compile(r"^portal\.journal\.(\d+)$")


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def journal_path(data_dir: Path, gen: int) -> Path:
    return data_dir / f"{JOURNAL_PREFIX}{gen:06d}"


def list_journals(data_dir: Path) -> dict[int, Path]:
    found = {}
    for path in data_dir.iterdir():
        match = _JOURNAL_RE.match(path.name)
        if match:
            found[int(match.group(1))] = path
    return found



def lock_dir(data_dir: Path) -> int:
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
        os.close(fd)
        who = f" (pid {holder})" if holder else ""
        raise DatabaseLocked(
            f"the data directory {data_dir} is in use by another portal process{who}; "
            f"stop that process first, or set PORTAL_DATA_DIR to another directory"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


@dataclass
class Image:
    """What the files of a data directory hold."""

    tables: dict[str, TableData] = field(default_factory=dict)
    seq: int = 0
    snapshot_gen: int = 1
    last_gen: int = 1
    ops: int = 0
    torn_at: int | None = None  # good length of the last journal when its tail was torn


def apply(tables: dict[str, TableData], op: list[Any]) -> None:
    kind, name = op[0], op[1]
    if kind == "p":
        doc = op[3]
        if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
            raise ValueError(f"a stored document needs an id: {str(doc)[:80]}")
        td = tables.get(name)
        if td is None:
            td = tables[name] = TableData()
        td.set(op[2], doc)
    elif kind == "d":
        tables[name].set(op[2], None)
    elif kind == "t":
        old = tables.get(name)
        tables[name] = TableData()
        if old is not None:
            tables[name].next_doc_id = old.next_doc_id
    elif kind == "x":
        tables.pop(name, None)
    else:
        raise ValueError(f"unknown operation {str(op)[:80]}")


def load_snapshot(path: Path, data_dir: Path, image: Image) -> None:
    """Load a snapshot (or backup): a header line, one line per document, a footer line."""
    loads, tables, count = orjson.loads, image.tables, 0
    with path.open("rb") as f:
        number, line = 1, f.readline()
        try:
            header = loads(line)
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise ValueError("it is not a portal database file")
            if header.get("version") != FORMAT_VERSION:
                raise ValueError(f"its format version {header.get('version')!r} is unknown")
            for name in header["tables"]:
                tables[name] = TableData()
            footer = None
            for line in f:
                if not line.endswith(b"\n"):
                    raise ValueError("it is incomplete")
                row = loads(line)
                if isinstance(row, dict):
                    footer = row
                    break
                name, doc_id, doc = row
                td = tables[name]
                td.docs[doc_id] = doc
                td.by_id[doc["id"]] = doc_id
                count += 1
            if footer != {"end": True, "count": count} or f.read(1):
                raise ValueError("it is incomplete")
            image.seq = int(header["seq"])
            image.snapshot_gen = image.last_gen = int(header["journal_gen"])
        except orjson.JSONDecodeError:
            raise damaged(data_dir, f"{path.name} line {number} is not valid JSON") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise damaged(data_dir, f"{path.name} line {number}: {exc}") from None
    for td in tables.values():
        td.next_doc_id = max(td.docs, default=0) + 1


def load_journal(path: Path, data_dir: Path, image: Image, last: bool) -> None:
    """Replay one journal; an unterminated last line of the last journal was never acked."""
    loads, tables, seq, ops, size = orjson.loads, image.tables, image.seq, image.ops, 0
    with path.open("rb") as f:
        for number, line in enumerate(f, start=1):
            if not line.endswith(b"\n"):
                if not last:
                    raise damaged(data_dir, f"{path.name} ends in an incomplete line")
                image.torn_at = size
                break
            size += len(line)
            try:
                entry_seq, entry_ops = loads(line)
                if entry_seq != seq + 1:
                    raise ValueError(f"sequence number {entry_seq} follows {seq}")
                for op in entry_ops:
                    apply(tables, op)
                ops += len(entry_ops)
            except orjson.JSONDecodeError:
                raise damaged(data_dir, f"{path.name} line {number} is not valid JSON") from None
            except (KeyError, TypeError, ValueError, IndexError) as exc:
                raise damaged(data_dir, f"{path.name} line {number}: {exc}") from None
            seq = entry_seq
    image.seq, image.ops = seq, ops


def load(data_dir: Path) -> Image:
    """Read snapshot + journals; raise DatabaseDamaged, or FileNotFoundError on a race."""
    image = Image()
    snapshot = data_dir / SNAPSHOT_FILE
    has_snapshot = snapshot.exists()
    if has_snapshot:
        load_snapshot(snapshot, data_dir, image)
    journals = {g: p for g, p in list_journals(data_dir).items() if g >= image.snapshot_gen}
    if journals:
        gens = sorted(journals)
        if not has_snapshot and gens[0] != 1:
            raise damaged(data_dir, f"{SNAPSHOT_FILE} is missing")
        if gens[0] != image.snapshot_gen or gens[-1] - gens[0] != len(gens) - 1:
            missing = sorted(set(range(image.snapshot_gen, gens[-1] + 1)) - set(gens))
            names = ", ".join(journal_path(data_dir, g).name for g in missing)
            raise damaged(data_dir, f"journal file(s) {names} are missing")
        for gen in gens:
            load_journal(journals[gen], data_dir, image, last=gen == gens[-1])
        image.last_gen = gens[-1]
    return image


def write_image(
    path: Path,
    frozen: list[tuple[str, list[tuple[int, Doc]]]],
    *,
    seq: int,
    gen: int,
    kind: str,
) -> None:
    """Write snapshot-format file atomically: temp file, fsync, os.replace, fsync directory."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        header = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "kind": kind,
            "seq": seq,
            "journal_gen": gen,
            "created_at": datetime.now(SHANGHAI).isoformat(timespec="seconds"),
            "tables": [name for name, _ in frozen],
        }
        write_all(fd, orjson.dumps(header) + b"\n")
        count = 0
        buffer: list[bytes] = []
        for name, items in frozen:
            quoted = orjson.dumps(name)
            for doc_id, doc in items:
                buffer.append(b"[%b,%d,%b]\n" % (quoted, doc_id, orjson.dumps(doc)))
                if len(buffer) >= 2048:  # small chunks: other threads get the GIL back often
                    count += len(buffer)
                    write_all(fd, b"".join(buffer))
                    buffer.clear()
        count += len(buffer)
        buffer.append(orjson.dumps({"end": True, "count": count}) + b"\n")
        write_all(fd, b"".join(buffer))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def write_backup(
    dest_dir: Path, frozen: list[tuple[str, list[tuple[int, Doc]]]], seq: int, keep: int
) -> Path:
    if keep < 1:
        raise ValueError(f"keep must be at least 1, got {keep}")
    dest_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = datetime.now(SHANGHAI).strftime("%Y%m%d-%H%M%S-%f")
    path = dest_dir / f"{BACKUP_PREFIX}{stamp}{BACKUP_SUFFIX}"
    try:
        write_image(path, frozen, seq=seq, gen=1, kind="backup")
        backups = sorted(dest_dir.glob(f"{BACKUP_PREFIX}*{BACKUP_SUFFIX}"))
        for old in backups[:-keep]:
            old.unlink()
    except OSError as exc:
        raise StorageError(f"could not write the backup {path}: {exc}") from exc
    return path


def backup_data_dir(data_dir: Path | str, dest_dir: Path | str, keep: int = 14) -> Path:
    """Back up a data directory without its lock (a server may be running on it).

    Reads the snapshot and every complete journal line: a consistent prefix of the history.
    Lines written but not yet fsynced may be included; they are complete transactions.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise StorageError(f"there is no portal database in {data_dir}")
    if not (data_dir / SNAPSHOT_FILE).exists() and not list_journals(data_dir):
        raise StorageError(f"there is no portal database in {data_dir}")
    for _attempt in range(20):  # a compaction can replace files while we read them
        try:
            image = load(data_dir)
            break
        except (FileNotFoundError, DatabaseDamaged):
            time.sleep(0.05)
    else:
        image = load(data_dir)  # raise what is wrong
    frozen = [(name, list(td.docs.items())) for name, td in image.tables.items()]
    return write_backup(Path(dest_dir), frozen, image.seq, keep)


def restore_data_dir(data_dir: Path | str, backup_file: Path | str) -> Path | None:
    """Replace the database in ``data_dir`` by ``backup_file``; return where the old files went.

    Refuses (DatabaseLocked) while a server holds the directory. The backup is loaded in full
    first; the swap is one ``os.replace`` of the snapshot, so a crash leaves the old or the new
    database (journals older than the new snapshot are ignored, then deleted, at open).
    """
    data_dir, backup_file = Path(data_dir), Path(backup_file)
    image = Image()
    try:
        load_snapshot(backup_file, backup_file.parent, image)
    except FileNotFoundError:
        raise StorageError(f"there is no backup file {backup_file}") from None
    except DatabaseDamaged as exc:
        raise DatabaseDamaged(
            f"{backup_file} is not a usable backup: {exc.detail}; nothing was changed", exc.detail
        ) from None
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock_fd = lock_dir(data_dir)
    aside = None
    try:
        journals = list_journals(data_dir)
        snapshot = data_dir / SNAPSHOT_FILE
        old_files = sorted(journals.values()) + ([snapshot] if snapshot.exists() else [])
        if old_files:
            stamp = datetime.now(SHANGHAI).strftime("%Y%m%d-%H%M%S-%f")
            aside = data_dir / f"before-restore-{stamp}"
            aside.mkdir(mode=0o700)
            for path in old_files:
                os.link(path, aside / path.name)
            fsync_dir(aside)
        new_gen = max(journals, default=0) + 1  # older journals no longer apply
        frozen = [(name, list(td.docs.items())) for name, td in image.tables.items()]
        write_image(snapshot, frozen, seq=image.seq, gen=new_gen, kind="snapshot")
        for path in journals.values():
            path.unlink()
        fsync_dir(data_dir)
    except OSError as exc:
        raise StorageError(f"could not restore into {data_dir}: {exc}") from exc
    finally:
        os.close(lock_fd)
    return aside
