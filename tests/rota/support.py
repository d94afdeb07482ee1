"""Helpers for the rota's tests: a hotline, eligible volunteers, shifts, a volunteer's cookie."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.testclient import TestClient

from forms_api import clock
from forms_api.web.context import Portal
from forms_api.web.personal import COOKIE, Person, ensure, session_value
from tests.forms_support import ADMIN, approved_expert, check_in_body, make_session

MODULE = "policy"  # any module of this worktree serves as the hotline's training
PATTERN = [{"start": "08:00", "end": "12:00"}, {"start": "12:00", "end": "16:00"},
           {"start": "16:00", "end": "20:00"}, {"start": "20:00", "end": "08:00"}]


def portal_of(client: TestClient) -> Portal:
    found: Portal = client.app.state.portal  # type: ignore[attr-defined]
    return found


def make_hotline(client: TestClient, pattern: list[dict[str, Any]] | None = None,
                 **fields: Any) -> dict[str, Any]:
    body = {"name": "市学生心理援助热线", "number": "0530-1234567", "hours": "24小时",
            "training_module": MODULE, "pattern": pattern or PATTERN, **fields}
    response = client.post("/api/admin/hotlines", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    line: dict[str, Any] = response.json()
    return line


def add_shift(client: TestClient, hotline_id: str, starts: dt.datetime, hours: float = 4,
              **fields: Any) -> dict[str, Any]:
    body = {"starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(hours=hours)).isoformat(), **fields}
    response = client.post(f"/api/admin/hotlines/{hotline_id}/shifts", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    shift: dict[str, Any] = response.json()
    return shift


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """Today plus `days`, at `hour` o'clock, Asia/Shanghai."""
    day = clock.today() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), clock.TZ)


def volunteer(client: TestClient, phone: str, *, roles: tuple[str, ...] = ("visits", "hotline"),
              trained: bool = True, name: str = "张明") -> str:
    """An approved volunteer with the roles; `trained`: checked in at the hotline training."""
    vid = approved_expert(client, phone=phone, name=name, roles=list(roles))
    if trained:
        # One training session per app: found in its own database (ids of clients recur).
        held = portal_of(client).db.table("trainings").find(module=MODULE)
        session = held[0] if held else make_session(client, module=MODULE)
        response = client.post(f"/api/trainings/{session['id']}/attendance",
                               json=check_in_body(session, phone=phone, name=name))
        assert response.status_code in (200, 201), response.text
    return vid


def cookie(client: TestClient, volunteer_id: str) -> dict[str, str]:
    """The Cookie header of the volunteer's own-page session (with a live link behind it)."""
    db = portal_of(client).db
    with db.transaction():
        ensure(db, "volunteer", volunteer_id)
    value = session_value(portal_of(client).secret, Person("volunteer", volunteer_id))
    return {"Cookie": f"{COOKIE}={value}"}


def take(client: TestClient, shift_id: str, volunteer_id: str, action: str = "take") -> Any:
    return client.post(f"/api/me/shifts/{shift_id}/{action}", headers=cookie(client, volunteer_id))


def outbox(client: TestClient, event: str | None = None) -> list[dict[str, Any]]:
    every = portal_of(client).db.table("outbox").all()
    return [n for n in every if event is None or n["event"] == event]
