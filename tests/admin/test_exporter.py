"""A large export is built in a worker process: check-ins are answered meanwhile."""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from openpyxl import load_workbook
from starlette.testclient import TestClient

from forms_api import clock
from forms_api.admin.exporter import WORKER_NICENESS, Exporter
from forms_api.storage import new_id
from forms_api.trainings.records import ATTENDANCE
from tests.forms_support import ADMIN, ADMIN_TOKEN, check_in_body, make_session

ROWS = 40_000


def test_a_check_in_is_answered_while_a_large_export_is_built(
        make_client: Callable[..., TestClient]) -> None:
    client = make_client(admin_token=ADMIN_TOKEN, rate_limit=0)
    stored, session = make_session(client), make_session(client)
    db = client.app.state.portal.db
    now = clock.iso(clock.now())
    with db.transaction():
        db.table(ATTENDANCE).insert_multiple(
            {"id": new_id(), "session_id": stored["id"], "name": f"教师{n}",
             "school": "市第一中学", "phone": f"139{n:08d}", "checked_in_at": now}
            for n in range(ROWS))
    done: dict[str, Any] = {}

    def export() -> None:
        response = client.get("/api/admin/export/attendance.xlsx", headers=ADMIN)
        done["response"], done["at"] = response, time.monotonic()

    worker = threading.Thread(target=export)
    worker.start()
    time.sleep(0.3)  # the export is reading or writing by now
    started = time.monotonic()
    answer = client.post(f"/api/trainings/{session['id']}/attendance",
                         json=check_in_body(session, phone="13700137999"))
    answered = time.monotonic()
    worker.join(timeout=120)
    assert answer.status_code == 201, answer.text
    assert answered < done["at"], "the check-in waited for the export"
    assert answered - started < done["at"] - started
    exported = done["response"]
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.content), read_only=True).active
    assert sheet is not None
    # the header and every stored row (the check-in made meanwhile may or may not be in it)
    assert sum(1 for _ in sheet.iter_rows(values_only=True)) in (ROWS + 1, ROWS + 2)
    left = list((client.app.state.settings.data_dir / "exports").iterdir())
    assert left == []  # the file is deleted once sent


def test_the_export_worker_yields_the_cpu_to_the_server() -> None:
    exporter = Exporter()
    try:
        worker_nice = exporter._executor().submit(os.nice, 0).result(timeout=60)
    finally:
        exporter.close()
    assert worker_nice == min(19, os.nice(0) + WORKER_NICENESS)
