"""Compaction: a new journal generation, the frozen image as the snapshot, old journals gone.

Functions over the engine (``journal.DurableStorage``) rather than methods, so that the engine
module stays readable; the engine's ``compact()`` and ``_maybe_compact()`` call these.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING

from forms_api.storage.errors import StorageError
from forms_api.storage.files import (
    SNAPSHOT_FILE,
    fsync_dir,
    journal_path,
    list_journals,
    write_image,
)

if TYPE_CHECKING:
    from forms_api.storage.journal import DurableStorage

logger = logging.getLogger("forms_api.storage")


def maybe_compact(engine: DurableStorage) -> None:
    """Start a background compaction when the journals have grown past the live documents."""
    if engine._dir is None or engine._compactor is not None or engine._failed is not None:
        return
    live = sum(len(td.docs) for td in engine._tables.values())
    if engine._ops > max(engine._compact_min_ops, live):
        engine._compactor = threading.Thread(
            target=_compact_in_background, args=(engine,), name="storage-compactor", daemon=True
        )
        engine._compactor.start()


def _compact_in_background(engine: DurableStorage) -> None:
    try:
        compact(engine)
    except Exception:
        logger.exception("compaction of %s failed; the journal keeps everything", engine._dir)
    finally:
        engine._compactor = None


def compact(engine: DurableStorage) -> None:
    """Start a new journal, write the image as the snapshot, drop the journals it covers."""
    if engine._dir is None:
        return
    data_dir = engine._dir
    with engine._compact_lock:
        with engine._lock:
            if engine._txn is not None:
                raise StorageError("compact() cannot run inside a transaction")
            if engine._closed or engine._failed is not None:
                return
            engine._wait_durable(engine._written_seq)
            new_gen = engine._gen + 1
            path = journal_path(data_dir, new_gen)
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
            new_fd = os.open(path, flags, 0o600)
            try:
                fsync_dir(data_dir)
            except BaseException:
                os.close(new_fd)
                path.unlink()
                raise
            with engine._cv:
                while engine._flushing:
                    engine._cv.wait()
                old_fd, engine._fd = engine._fd, new_fd
            engine._gen, engine._size = new_gen, 0
            frozen, seq = engine.freeze()
            covered, engine._ops = engine._ops, 0
        os.close(old_fd)
        try:
            write_image(data_dir / SNAPSHOT_FILE, frozen, seq=seq, gen=new_gen, kind="snapshot")
        except BaseException:
            with engine._lock:
                engine._ops += covered
            raise
        for gen, old in sorted(list_journals(data_dir).items()):
            if gen < new_gen:
                old.unlink()
        fsync_dir(data_dir)

