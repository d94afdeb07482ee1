"""Reminders and gap notices: each enqueued exactly once, at the right lead time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from starlette.testclient import TestClient

from forms_api.app import DOMAINS
from forms_api.rota import reminders
from tests.forms_support import ADMIN
from tests.rota.support import add_shift, at, make_hotline, outbox, portal_of, volunteer


def test_a_day_and_an_hour_before_each_once(make_client: Callable[..., TestClient]) -> None:
    client = make_client(admin_token="test-admin-token", rate_limit=0,
                         bureau_email="rota@example.edu.cn")
    line = make_hotline(client)
    starts = at(6, 20)
    shift = add_shift(client, line["id"], starts, hours=12, min_seats=1)
    vid = volunteer(client, "13900139200", name="李红")
    assert client.post(f"/api/admin/shifts/{shift['id']}/assign", json={"volunteer_id": vid},
                       headers=ADMIN).status_code == 200
    p = portal_of(client)
    before = len(outbox(client, "shift.reminder"))
    assert reminders.run(p, starts - dt.timedelta(hours=30)) == 0
    assert reminders.run(p, starts - dt.timedelta(hours=23)) == 1
    assert reminders.run(p, starts - dt.timedelta(hours=22)) == 0  # not again
    assert reminders.run(p, starts - dt.timedelta(minutes=50)) == 1
    assert reminders.run(p, starts - dt.timedelta(minutes=10)) == 0
    assert reminders.run(p, starts + dt.timedelta(minutes=10)) == 0  # started: nothing
    sent = outbox(client, "shift.reminder")[before:]
    assert [n["to"]["phone"] for n in sent] == ["13900139200", "13900139200"]
    assert "明天" in sent[0]["text"] and "1 小时后" in sent[1]["text"]
    assert "20:00" in sent[0]["text"] and "（次日）" in sent[0]["text"]
    assert sent[0]["link"] == {"personal": {"kind": "volunteer", "id": vid}}
    assert sent[0]["status"] == "waiting"


def test_a_gap_72_hours_ahead_tells_the_coordinator_once(make_client: Callable[..., TestClient]) -> None:
    client = make_client(admin_token="test-admin-token", rate_limit=0,
                         bureau_email="rota@example.edu.cn")
    line = make_hotline(client)
    starts = at(8, 8)
    gap = add_shift(client, line["id"], starts, min_seats=2)
    full = add_shift(client, line["id"], starts + dt.timedelta(hours=4), min_seats=1)
    vid = volunteer(client, "13900139210")
    assert client.post(f"/api/admin/shifts/{full['id']}/assign", json={"volunteer_id": vid},
                       headers=ADMIN).status_code == 200
    p = portal_of(client)
    assert reminders.run(p, starts - dt.timedelta(hours=80)) == 0
    assert reminders.run(p, starts - dt.timedelta(hours=71)) == 1
    assert reminders.run(p, starts - dt.timedelta(hours=70)) == 0
    notices = outbox(client, "shift.gap")
    assert len(notices) == 1
    assert notices[0]["to"] == {"role": "bureau", "name": "热线值班协调人", "phone": None,
                                "email": "rota@example.edu.cn"}
    assert "少于最少 2 人" in notices[0]["text"] and notices[0]["link"] == "/admin/rota/"
    assert gap["id"] != full["id"]


def test_the_reminder_job_is_declared_by_the_domain() -> None:
    rota = next(d for d in DOMAINS if d.name == "rota")
    assert rota.jobs == (reminders.job,)
    names = [d.name for d in DOMAINS]
    assert names.index("rota") > names.index("volunteers")
