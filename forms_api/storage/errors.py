"""The storage errors: what the rest of the portal catches and turns into answers."""

from __future__ import annotations

from pathlib import Path


class StorageError(Exception):
    """The database could not make a change durable, or cannot be used."""


class DatabaseLocked(StorageError):
    """Another process (or another ``Database`` in this one) holds the data directory."""


class DatabaseDamaged(StorageError):
    """The files on disk do not load; nothing was changed."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail or message



def damaged(data_dir: Path, detail: str) -> DatabaseDamaged:
    return DatabaseDamaged(
        f"the database in {data_dir} is damaged: {detail}. The portal will not start over it "
        f"and has changed nothing. Restore the newest backup with `portal restore FILE` (the "
        f"current files are kept aside), or keep the directory as it is and ask for help.",
        detail,
    )

