"""Random sequences of changes, restarts and compactions against a plain dict as the model."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from forms_api.storage import Database, Query

values = st.one_of(
    st.integers(-5, 5), st.text("张三李四ab", max_size=4), st.lists(st.integers(0, 3), max_size=3)
)
documents = st.fixed_dictionaries({"k": st.integers(0, 3)}, optional={"v": values, "w": values})


class StorageMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="storage-model-"))
        self.db = Database.open(self.dir / "data")
        self.model: dict[str, dict[str, Any]] = {}  # insertion-ordered, like the table

    def teardown(self) -> None:
        self.db.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def table(self) -> Any:
        return self.db.table("t")

    @rule(doc=documents)
    def insert(self, doc: dict[str, Any]) -> None:
        record_id = self.table.insert(doc)
        self.model[record_id] = {**doc, "id": record_id}

    @precondition(lambda self: self.model)
    @rule(data=st.data(), fields=documents)
    def update_id(self, data: st.DataObject, fields: dict[str, Any]) -> None:
        record_id = data.draw(st.sampled_from(sorted(self.model)))
        self.table.update_id(record_id, fields)
        self.model[record_id].update(fields)

    @rule(k=st.integers(0, 3), v=values)
    def update_where(self, k: int, v: Any) -> None:
        self.table.update({"v": v}, Query().k == k)
        for doc in self.model.values():
            if doc["k"] == k:
                doc["v"] = v

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def remove_id(self, data: st.DataObject) -> None:
        record_id = data.draw(st.sampled_from(sorted(self.model)))
        assert self.table.remove_id(record_id)
        del self.model[record_id]

    @rule(k=st.integers(0, 3))
    def remove_where(self, k: int) -> None:
        self.table.remove(Query().k == k)
        self.model = {i: d for i, d in self.model.items() if d["k"] != k}

    @rule()
    def truncate(self) -> None:
        self.table.truncate()
        self.model.clear()

    @rule(doc=documents)
    def failed_transaction(self, doc: dict[str, Any]) -> None:
        try:
            with self.db.transaction():
                self.table.insert(doc)
                self.table.remove(Query().k == doc["k"])
                raise KeyError("undo it all")
        except KeyError:
            pass

    @rule()
    def compact(self) -> None:
        self.db.compact()

    @rule()
    def restart(self) -> None:
        self.db.close()
        self.db = Database.open(self.dir / "data")

    @invariant()
    def same_as_the_model(self) -> None:
        assert self.table.all() == list(self.model.values())
        for k in range(4):
            expected = [d for d in self.model.values() if d["k"] == k]
            assert self.table.find(k=k) == expected
            assert self.table.count(k=k) == len(expected)


StorageMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
test_storage_matches_the_model = StorageMachine.TestCase
