"""The serving process's garbage-collector settings."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from forms_api import gctune


@pytest.fixture
def restore_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restore_gc")
def test_start_up_objects_are_frozen_and_young_collections_are_rarer() -> None:
    built_at_start_up: list[object] = [[] for _ in range(3)]
    gctune.tune_for_serving()
    assert gc.get_freeze_count() > 0
    assert not any(o is built_at_start_up for o in gc.get_objects())  # never scanned again
    young, middle, old = gc.get_threshold()
    assert young == gctune.YOUNG_THRESHOLD
    assert (middle, old) == (10, 10)  # the older generations keep CPython's defaults


@pytest.mark.usefixtures("restore_gc")
def test_cyclic_garbage_made_after_start_up_is_still_collected() -> None:
    gctune.tune_for_serving()

    class Node:
        other: object

    def make_cycle() -> None:
        a, b = Node(), Node()
        a.other, b.other = b, a

    for _ in range(1000):  # cycles, as every request leaves some
        make_cycle()
    assert gc.collect() >= 2000
