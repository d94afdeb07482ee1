"""Per-client rate limit: a venue's burst passes, a flood gets 429 with Retry-After."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from forms_api.settings import Settings
from forms_api.web.ratelimit import RateLimit
from tests.conftest import assert_error
from tests.forms_support import ADMIN_TOKEN, check_in_body, make_session, volunteer_body


def test_default_lets_300_check_ins_from_one_address_through(
        make_client: Callable[..., TestClient]) -> None:
    client = make_client(admin_token=ADMIN_TOKEN)  # the default limit
    assert Settings().rate_limit >= 300
    session = make_session(client)
    url = f"/api/trainings/{session['id']}/attendance"
    statuses = [client.post(url, json=check_in_body(session, phone=f"138{n:08d}")).status_code
                for n in range(300)]
    assert statuses == [201] * 300


def test_a_flood_gets_429_with_retry_after(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit=5)
    answers = [client.post("/api/volunteers", json=volunteer_body(phone=f"137{n:08d}"))
               for n in range(7)]
    assert [a.status_code for a in answers[:5]] == [201] * 5
    error = assert_error(answers[5], 429, "rate_limited")
    assert "秒后再试" in error["message"]
    assert 1 <= int(answers[5].headers["retry-after"]) <= 60


def test_reading_is_not_limited(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit=1)
    assert all(client.get("/api/experts").status_code == 200 for _ in range(5))


def test_zero_turns_the_limit_off() -> None:
    limit = RateLimit(0)
    for _ in range(10_000):
        limit.hit("10.0.0.1")


def test_clients_are_counted_apart() -> None:
    limit = RateLimit(2)
    for client in ("10.0.0.1", "10.0.0.2"):
        limit.hit(client)
        limit.hit(client)
    errors: list[Any] = []
    try:
        limit.hit("10.0.0.1")
    except Exception as exc:
        errors.append(exc)
    assert len(errors) == 1 and errors[0].status == 429


def test_a_refused_browser_keeps_what_was_typed(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit=1)
    html = {"Accept": "text/html"}
    form = {**volunteer_body(name="李静"), "consent": "on", "public_profile": "on"}
    assert client.post("/api/volunteers", data=form, headers=html,
                       follow_redirects=False).status_code == 303
    again = client.post("/api/volunteers", data={**form, "phone": "13600136000"}, headers=html)
    assert again.status_code == 429 and "retry-after" in again.headers
    assert "秒后再试" in again.text and 'value="李静"' in again.text
