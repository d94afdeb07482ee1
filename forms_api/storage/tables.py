"""``JournalTable``: TinyDB's table API served from the engine's memory image, writes journalled."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from typing import Any

from tinydb.queries import QueryLike
from tinydb.storages import Storage
from tinydb.table import Table as _TinyTable

from forms_api.storage.indexes import Doc, TableData
from forms_api.storage.interface import Table, copy_doc, normalise
from forms_api.storage.journal import DurableStorage
from forms_api.storage.transaction import Transaction


class JournalTable(Table, _TinyTable):  # type: ignore[misc]  # ours, then TinyDB's query API
    """A TinyDB table served from memory; documents carry our ``id`` and come back as copies.

    Differences from TinyDB's ``Table``: write methods return our ids (``str``), never doc_ids;
    reads return plain ``dict`` copies; ``get``/``contains`` take a query only (use ``get_id``).
    """

    _storage: DurableStorage

    def __init__(self, storage: Storage, name: str, **kwargs: Any) -> None:
        kwargs.pop("persist_empty", None)
        super().__init__(storage, name, **kwargs)

    @property
    def name(self) -> str:
        return self._name

    # -- reads: take references under the lock, query and copy outside it (stored documents
    #    never change, so the references are a consistent view)

    def _refs(self, pick: Callable[[TableData], list[Doc]] = lambda td: list(td.docs.values())
              ) -> list[Doc]:
        with Transaction(self._storage):
            return pick(self._storage.table_data(self.name))

    def all(self) -> list[Doc]:  # type: ignore[override]
        return [copy_doc(d) for d in self._refs()]

    def search(self, cond: QueryLike) -> list[Doc]:  # type: ignore[override]
        return [copy_doc(d) for d in self._refs() if cond(d)]

    def find(self, **equals: Any) -> list[Doc]:
        """Documents whose fields equal ``equals``, through a hash index (built on first use)."""
        if not equals:
            raise TypeError("find() needs at least one field=value")
        return [copy_doc(d) for d in self._refs(lambda td: [td.docs[i] for i in td.lookup(equals)])]

    def get_id(self, id: str) -> Doc | None:
        """The document whose ``id`` is ``id``, or None."""

        def pick(td: TableData) -> list[Doc]:
            doc_id = td.by_id.get(id)
            return [] if doc_id is None else [td.docs[doc_id]]

        found = self._refs(pick)
        return copy_doc(found[0]) if found else None

    def get(self, cond: QueryLike | None = None, **kwargs: Any) -> Doc | None:  # type: ignore[override]
        if cond is None or kwargs:
            raise TypeError("Table.get takes a query; look documents up by id with get_id(id)")
        return next((copy_doc(d) for d in self._refs() if cond(d)), None)

    def contains(self, cond: QueryLike | None = None, **kwargs: Any) -> bool:  # type: ignore[override]
        return self.get(cond, **kwargs) is not None

    def count(self, cond: QueryLike | None = None, **equals: Any) -> int:
        """Count documents matching a query, or equal to ``equals`` (O(1), copies nothing)."""
        if (cond is None) == (not equals):
            raise TypeError("count() takes a query or field=value pairs")
        if cond is not None:
            return sum(1 for d in self._refs() if cond(d))
        with Transaction(self._storage):
            return self._storage.table_data(self.name).count(equals)

    def __len__(self) -> int:
        with Transaction(self._storage):
            return len(self._storage.table_data(self.name).docs)

    def __iter__(self) -> Iterator[Doc]:  # type: ignore[override]
        return iter(self.all())

    # -- writes

    def _insert(self, stored: Doc, raw: bytes) -> None:
        with Transaction(self._storage):
            self._storage.insert(self.name, stored, raw)

    def insert_multiple(self, documents: Iterable[Mapping[str, Any]]) -> list[str]:  # type: ignore[override]
        with Transaction(self._storage):
            return [self.insert(document) for document in documents]

    def _rewrite(
        self,
        fields: Mapping[str, Any] | Callable[[MutableMapping[str, Any]], None],
        targets: list[int],
    ) -> list[Doc]:
        storage, td = self._storage, self._storage.table_data(self.name)
        written = []
        for doc_id in targets:
            old = td.docs[doc_id]
            if callable(fields):
                new = copy_doc(old)
                fields(new)
            else:
                new = {**old, **fields}
            if new.get("id") != old["id"]:
                raise ValueError(f"the id of a document cannot change (id {old['id']!r})")
            raw, stored = normalise(new)
            storage.replace(self.name, doc_id, stored, raw)
            written.append(stored)
        return written

    def update(  # type: ignore[override]
        self,
        fields: Mapping[str, Any] | Callable[[MutableMapping[str, Any]], None],
        cond: QueryLike | None = None,
        doc_ids: Iterable[int] | None = None,
    ) -> list[str]:
        """Update every document matching ``cond`` (all without one); return their ids."""
        if doc_ids is not None:
            raise TypeError("Table.update takes a query; update one document with update_id(id)")
        with Transaction(self._storage):
            td = self._storage.table_data(self.name)
            targets = [i for i, d in td.docs.items() if cond is None or cond(d)]
            return [d["id"] for d in self._rewrite(fields, targets)]

    def update_multiple(  # type: ignore[override]
        self,
        updates: Iterable[tuple[Mapping[str, Any] | Callable[[MutableMapping[str, Any]], None], QueryLike]],
    ) -> list[str]:
        with Transaction(self._storage):
            return [i for fields, cond in updates for i in self.update(fields, cond)]

    def update_id(self, id: str, fields: Mapping[str, Any]) -> Doc | None:
        """Set ``fields`` on the document ``id``; return the updated copy, or None if absent."""
        with Transaction(self._storage):
            doc_id = self._storage.table_data(self.name).by_id.get(id)
            if doc_id is None:
                return None
            return copy_doc(self._rewrite(fields, [doc_id])[0])

    def upsert(self, document: Mapping[str, Any], cond: QueryLike | None = None) -> list[str]:  # type: ignore[override]
        if cond is None:
            raise ValueError("upsert needs a query")
        with Transaction(self._storage):
            return self.update(document, cond) or [self.insert(document)]

    def remove(self, cond: QueryLike | None = None, doc_ids: Iterable[int] | None = None) -> list[str]:  # type: ignore[override]
        """Remove every document matching ``cond``; return their ids."""
        if cond is None or doc_ids is not None:
            raise TypeError("Table.remove takes a query; remove one document with remove_id(id)")
        with Transaction(self._storage):
            td = self._storage.table_data(self.name)
            targets = [(i, d["id"]) for i, d in td.docs.items() if cond(d)]
            for doc_id, _ in targets:
                self._storage.delete(self.name, doc_id)
            return [id for _, id in targets]

    def remove_id(self, id: str) -> bool:
        """Remove the document ``id``; return whether it existed."""
        with Transaction(self._storage):
            doc_id = self._storage.table_data(self.name).by_id.get(id)
            if doc_id is None:
                return False
            self._storage.delete(self.name, doc_id)
            return True

    def truncate(self) -> None:
        with Transaction(self._storage):
            self._storage.truncate(self.name)

    def clear_cache(self) -> None:
        """Nothing to clear: searches are not cached (memory is the cache)."""

    def _update_table(self, updater: Callable[[dict[int, Mapping[str, Any]]], None]) -> None:
        raise NotImplementedError("every write of Table goes through the journal methods")

