"""One table in memory: its documents, the map from our ``id`` and lazy equality indexes."""

from __future__ import annotations

from typing import Any

Doc = dict[str, Any]

#: The key part of a document that lacks a field (distinct from a stored ``None``).
MISSING = object()

#: An index entry: the one doc_id holding a key, or the set of them when several do.
Bucket = int | set[int]


def hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, hashable(v)) for k, v in value.items()))
    return value


class TableData:
    """One table's documents, its id map and its lazily built equality indexes.

    An index maps a tuple of field values to the doc_id holding them, or to a set of doc_ids
    when several do (most keys are unique: an int costs far less memory than a set).
    """

    __slots__ = ("by_id", "docs", "indexes", "next_doc_id")

    def __init__(self) -> None:
        self.docs: dict[int, Doc] = {}
        self.by_id: dict[str, int] = {}
        self.indexes: dict[tuple[str, ...], dict[tuple[Any, ...], Bucket]] = {}
        self.next_doc_id = 1

    def set(self, doc_id: int, doc: Doc | None) -> Doc | None:
        """Install ``doc`` (or delete with ``None``), keep the maps right, return the old one."""
        old = self.docs.get(doc_id)
        if old is not None:
            self.by_id.pop(old.get("id"), None)  # type: ignore[arg-type]
            for fields, index in self.indexes.items():
                key = tuple(hashable(old.get(f, MISSING)) for f in fields)
                bucket = index[key]
                if isinstance(bucket, int):
                    del index[key]
                else:
                    bucket.discard(doc_id)
                    if len(bucket) == 1:
                        index[key] = next(iter(bucket))
        if doc is None:
            self.docs.pop(doc_id, None)
        else:
            self.docs[doc_id] = doc  # replacing keeps the document's place: insertion order
            self.by_id[doc["id"]] = doc_id
            for fields, index in self.indexes.items():
                _add(index, tuple(hashable(doc.get(f, MISSING)) for f in fields), doc_id)
            if doc_id >= self.next_doc_id:
                self.next_doc_id = doc_id + 1
        return old

    def lookup(self, equals: dict[str, Any]) -> list[int]:
        """The doc_ids whose fields equal ``equals``, oldest first (builds the index once)."""
        bucket = self._bucket(equals)
        if bucket is None:
            return []
        return [bucket] if isinstance(bucket, int) else sorted(bucket)

    def count(self, equals: dict[str, Any]) -> int:
        bucket = self._bucket(equals)
        return 0 if bucket is None else 1 if isinstance(bucket, int) else len(bucket)

    def _bucket(self, equals: dict[str, Any]) -> Bucket | None:
        fields = tuple(sorted(equals))
        index = self.indexes.get(fields)
        if index is None:
            index = {}
            for doc_id, doc in self.docs.items():
                _add(index, tuple(hashable(doc.get(f, MISSING)) for f in fields), doc_id)
            self.indexes[fields] = index
        return index.get(tuple(hashable(equals[f]) for f in fields))


def _add(index: dict[tuple[Any, ...], Bucket], key: tuple[Any, ...], doc_id: int) -> None:
    bucket = index.get(key)
    if bucket is None:
        index[key] = doc_id
    elif isinstance(bucket, int):
        index[key] = {bucket, doc_id}
    else:
        bucket.add(doc_id)
