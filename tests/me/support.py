"""Helpers for the me tests: an expert with a personal link, a logged-in page, the database."""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.testclient import TestClient

from forms_api.storage import Database
from tests.forms_support import ADMIN, approved_expert, booking_body, volunteer_body
from tests.logcheck import remember

_phones = (f"137{n:08d}" for n in itertools.count(5000))


def db_of(client: TestClient) -> Database:
    db: Database = client.app.state.portal.db  # type: ignore[attr-defined]
    return db


def new_phone() -> str:
    return next(_phones)


def issue_link(client: TestClient, volunteer_id: str) -> str:
    """The token of a new personal link, issued through the admin API."""
    response = client.post(f"/api/admin/volunteers/{volunteer_id}/link", headers=ADMIN)
    assert response.status_code == 200, response.text
    link: str = response.json()["link"]
    token = parse_qs(urlsplit(link).query)["t"][0]
    remember(token)
    return token


def open_link(client: TestClient, token: str) -> Any:
    return client.get(f"/me/?t={token}", follow_redirects=False)


def log_in(client: TestClient, volunteer_id: str) -> None:
    opened = open_link(client, issue_link(client, volunteer_id))
    assert opened.status_code == 303, opened.text


def pending_volunteer(client: TestClient, **fields: Any) -> str:
    made = client.post("/api/volunteers", json=volunteer_body(phone=new_phone(), **fields))
    assert made.status_code == 201, made.text
    volunteer_id: str = made.json()["id"]
    return volunteer_id


def expert(client: TestClient, **fields: Any) -> str:
    return approved_expert(client, phone=fields.pop("phone", new_phone()), **fields)


def booking(client: TestClient, **fields: Any) -> dict[str, Any]:
    made = client.post("/api/bookings", json=booking_body(**fields))
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def confirm(client: TestClient, booking_id: str, expert_id: str, day: str,
            slot: str = "morning") -> dict[str, Any]:
    response = client.patch(f"/api/admin/bookings/{booking_id}", headers=ADMIN, json={
        "status": "confirmed", "date": day, "time_slot": slot, "expert_id": expert_id})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def notices(client: TestClient, event: str) -> list[dict[str, Any]]:
    from forms_api.notices.outbox import OUTBOX

    return [n for n in db_of(client).table(OUTBOX).all() if n["event"] == event]
