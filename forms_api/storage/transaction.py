"""One transaction's bookkeeping and the ``with db.transaction():`` block that opens it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from forms_api.storage.errors import StorageError

if TYPE_CHECKING:
    from forms_api.storage.journal import DurableStorage

# An undo entry: (table, doc_id, old document) or (table, None, old TableData or None).
Undo = tuple[str, "int | None", Any]


@dataclass
class Txn:
    undo: list[Undo] = field(default_factory=list)
    ops: list[bytes] = field(default_factory=list)
    read_seq: int = 0  # the newest change to any table this transaction read


class Transaction:
    """Context manager returned by ``Database.transaction()``."""

    __slots__ = ("_engine", "_outer")

    def __init__(self, engine: DurableStorage) -> None:
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
            engine._txn = Txn()

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
