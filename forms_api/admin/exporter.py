"""Exports are written in a worker process, so a large one never stalls a check-in.

The rows are read from the database in O(rows) pointer copies under its lock (each table
read is one short transaction), turned into cells in a thread, then handed to one worker
process that writes the CSV or XLSX file: openpyxl spends seconds of pure Python on 50,000
rows, and in a thread it would hold the GIL against the event loop that answers check-ins.
The worker runs at a lower CPU priority (`nice` +10): on a small machine the kernel gives the
server's event loop the CPU first, and the export takes what is left.
The file goes to a private temporary directory in the data directory (mode 0700: it holds
personal data), is streamed to the client and deleted once sent.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from forms_api.admin.exports import Cell, write_file

EXPORT_DIR = "exports"
#: Added to the worker's nice value: a report yields the CPU to the teachers' check-ins.
WORKER_NICENESS = 10


def _lower_priority() -> None:
    """In the worker process, at its start."""
    os.nice(WORKER_NICENESS)


class Exporter:
    """One worker process, started on the first export and stopped with the app."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # forkserver: a fork of this threaded, event-looping process would copy its locks.
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("forkserver"),
                initializer=_lower_priority)
        return self._pool

    async def write(self, data_dir: Path, extension: str, title: str, header: list[str],
                    rows: list[list[Cell]]) -> Path:
        """The export as a file (the caller deletes it once sent)."""
        folder = data_dir / EXPORT_DIR
        folder.mkdir(mode=0o700, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="export-", suffix=f".{extension}", dir=folder)
        os.close(fd)
        try:
            await asyncio.get_running_loop().run_in_executor(
                self._executor(), write_file, name, extension, title, header, rows)
        except BaseException:
            os.unlink(name)
            raise
        return Path(name)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
