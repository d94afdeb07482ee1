"""Catch PostgreSQL queries made on the event loop's thread, where they stall every request.

``on_the_loop(monkeypatch)`` wraps the two ways ``PgDatabase`` reaches a connection (a
transaction's, or a pooled one for one statement) and records, with a short stack, each use
made while an asyncio event loop runs in the calling thread. Worker threads (Starlette's
``run_in_threadpool``, ``asyncio.to_thread``) have no running loop, so they are not recorded.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from forms_api.storage.postgres import PgDatabase, PgTransaction


def _on_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _where() -> str:
    frames = [f for f in traceback.extract_stack()[:-3] if "/forms_api/" in f.filename]
    return " <- ".join(f"{f.filename.split('/forms_api/')[-1]}:{f.lineno} {f.name}"
                       for f in reversed(frames[-4:]))


def on_the_loop(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, where each PostgreSQL use on an event loop's thread came from."""
    seen: list[str] = []
    connection = PgDatabase._connection
    enter = PgTransaction.__enter__

    @contextmanager
    def watched_connection(self: PgDatabase) -> Iterator[Any]:
        if _on_loop():
            seen.append(_where())
        with connection(self) as conn:
            yield conn

    def watched_enter(self: PgTransaction) -> None:
        if _on_loop():
            seen.append(_where())
        enter(self)

    monkeypatch.setattr(PgDatabase, "_connection", watched_connection)
    monkeypatch.setattr(PgTransaction, "__enter__", watched_enter)
    return seen


__all__ = ["on_the_loop"]
