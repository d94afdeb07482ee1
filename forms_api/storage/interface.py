"""The storage interface both backends implement: ``Table``, plus ids and document copies.

Domain code types its arguments with ``Table`` and ``Database`` (in ``database``) and uses only
what is declared here; the embedded journal (``tables.JournalTable``) adds TinyDB's query
methods on top, which PostgreSQL does not offer.
"""

from __future__ import annotations

import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson

from forms_api.storage.indexes import Doc

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


_SHIFTS = tuple(range(125, -1, -5))
# The random bits come from os.urandom, read 4 KiB at a time: one system call per 409 ids
# instead of one per id (a check-in makes one). Reset in a forked child, which must never
# hand out its parent's bytes.
_POOL_BYTES = 4096
_pool = b""
_pool_at = 0
_pool_lock = threading.Lock()


def _reset_pool() -> None:
    global _pool, _pool_at
    _pool, _pool_at = b"", 0


os.register_at_fork(after_in_child=_reset_pool)


def _random80() -> int:
    global _pool, _pool_at
    with _pool_lock:
        if _pool_at + 10 > len(_pool):
            _pool, _pool_at = os.urandom(_POOL_BYTES), 0
        chunk = _pool[_pool_at:_pool_at + 10]
        _pool_at += 10
    return int.from_bytes(chunk, "big")


def new_id() -> str:
    """Return a new 26-character id: 48 bits of milliseconds, then 80 random bits (a ULID)."""
    n = (time.time_ns() // 1_000_000) << 80 | _random80()
    return "".join([_CROCKFORD[(n >> shift) & 31] for shift in _SHIFTS])



def normalise(document: Mapping[str, Any]) -> tuple[bytes, Doc]:
    """Serialise once: the bytes go to the journal, a fresh parse is what we store."""
    raw = orjson.dumps(document)
    return raw, orjson.loads(raw)


def copy_doc(doc: Doc) -> Doc:
    for value in doc.values():
        if type(value) is list or type(value) is dict:
            return orjson.loads(orjson.dumps(doc))  # type: ignore[no-any-return]
    return doc.copy()  # flat: a shallow copy is a full copy, at half the cost


class Table(ABC):
    """One collection of documents, each with a string ``id``; reads return copies."""

    @property
    @abstractmethod
    def name(self) -> str:
        """The collection's name."""

    @abstractmethod
    def all(self) -> list[Doc]:
        """Every document, oldest first."""

    @abstractmethod
    def find(self, **equals: Any) -> list[Doc]:
        """Documents whose fields equal ``equals`` (at least one), oldest first."""

    @abstractmethod
    def get_id(self, id: str) -> Doc | None:
        """The document whose ``id`` is ``id``, or None."""

    @abstractmethod
    def count(self, **equals: Any) -> int:
        """How many documents have fields equal to ``equals``."""

    @abstractmethod
    def __len__(self) -> int:
        """How many documents the collection holds."""

    @abstractmethod
    def __iter__(self) -> Iterator[Doc]:
        """Iterate over copies of every document."""

    def insert(self, document: Mapping[str, Any]) -> str:
        """Insert ``document`` (an ``id`` is generated when it has none); return its id."""
        if not isinstance(document, Mapping):
            raise ValueError("Document is not a Mapping")
        doc = dict(document)
        if doc.get("id") is None:
            doc["id"] = new_id()
        elif not isinstance(doc["id"], str):
            raise ValueError(f"a document's id must be a string, got {doc['id']!r}")
        raw, stored = normalise(doc)
        self._insert(stored, raw)
        return stored["id"]  # type: ignore[no-any-return]

    @abstractmethod
    def _insert(self, stored: Doc, raw: bytes) -> None:
        """Store a normalised document; ValueError when its id is taken."""

    @abstractmethod
    def insert_multiple(self, documents: Iterable[Mapping[str, Any]]) -> list[str]:
        """Insert every document in one transaction; return their ids."""

    @abstractmethod
    def update_id(self, id: str, fields: Mapping[str, Any]) -> Doc | None:
        """Set ``fields`` on the document ``id``; return the updated copy, or None if absent."""

    @abstractmethod
    def remove_id(self, id: str) -> bool:
        """Remove the document ``id``; return whether it existed."""

    @abstractmethod
    def truncate(self) -> None:
        """Remove every document."""
