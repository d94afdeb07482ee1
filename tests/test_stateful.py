"""A Hypothesis state machine: sessions, check-ins and bookings against a simple model.

Random sequences of the real requests (in-process, TestClient) are mirrored on a plain Python
model of the rules in the contract; every answer must be the one the model predicts, and after
every step the public counts and the admin lists must agree with the model.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from starlette.testclient import TestClient

from forms_api import clock
from forms_api.bookings.forms import eligible_dates
from tests.conftest import assert_error

TOKEN = "stateful-admin-token-7f3a9c"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
MOVES = {"requested": {"confirmed", "declined", "cancelled"},
         "confirmed": {"confirmed", "completed", "declined", "cancelled"},
         "completed": set(), "cancelled": set(), "declined": set()}
_serial = itertools.count(1)


@dataclass
class SessionModel:
    id: str
    code: str
    capacity: int
    open: bool
    check_ins: dict[str, str] = field(default_factory=dict)  # phone -> record id


@dataclass
class BookingModel:
    id: str
    reference: str
    phone: str
    status: str = "requested"
    date: str | None = None
    slot: str | None = None


def _phone(n: int) -> str:
    return f"1580000{n:04d}"


def machine(client: TestClient) -> type[RuleBasedStateMachine]:
    days = [d.isoformat() for d in eligible_dates()[:2]]

    class Portal(RuleBasedStateMachine):
        sessions = Bundle("sessions")
        bookings = Bundle("bookings")

        def __init__(self) -> None:
            super().__init__()
            self.run = next(_serial)
            self.model_sessions: list[SessionModel] = []
            self.model_bookings: dict[str, BookingModel] = {}
            self.expert = ""

        @initialize()
        def approve_an_expert(self) -> None:
            body = {"name": "李专家", "phone": f"1770{self.run:07d}", "organization": "市心理中心",
                    "qualifications": ["registered_psychologist"], "years_experience": 8,
                    "expertise": ["crisis"], "consent": True}
            created = client.post("/api/volunteers", json=body)
            assert created.status_code == 201, created.text
            self.expert = created.json()["id"]
            approved = client.patch(f"/api/admin/volunteers/{self.expert}",
                                    json={"status": "approved"}, headers=ADMIN)
            assert approved.status_code == 200, approved.text

        @rule(target=sessions, capacity=st.integers(1, 3), is_open=st.booleans())
        def create_session(self, capacity: int, is_open: bool) -> SessionModel:
            starts = clock.now() + dt.timedelta(minutes=-5 if is_open else 180)
            body = {"module": "policy", "title": "模型测试场次", "starts_at": starts.isoformat(),
                    "ends_at": (starts + dt.timedelta(hours=2)).isoformat(),
                    "location": "市教育局报告厅", "capacity": capacity}
            response = client.post("/api/admin/trainings", json=body, headers=ADMIN)
            assert response.status_code == 201, response.text
            made = response.json()
            session = SessionModel(made["id"], made["code"], capacity, is_open)
            self.model_sessions.append(session)
            return session

        @rule(session=sessions, person=st.integers(0, 4), right_code=st.booleans())
        def check_in(self, session: SessionModel, person: int, right_code: bool) -> None:
            phone = _phone(person)
            code = session.code if right_code else ("0000" if session.code != "0000" else "1111")
            response = client.post(f"/api/trainings/{session.id}/attendance", json={
                "name": "王芳", "school": "市第一中学", "phone": phone, "code": code})
            if not right_code:
                assert_error(response, 403, "wrong_code")
            elif phone in session.check_ins:
                assert response.status_code == 200, response.text
                assert response.json()["id"] == session.check_ins[phone]
            elif not session.open:
                assert_error(response, 409, "checkin_closed")
            elif len(session.check_ins) >= session.capacity:
                assert_error(response, 409, "session_full")
            else:
                assert response.status_code == 201, response.text
                session.check_ins[phone] = response.json()["id"]

        @rule(target=bookings, person=st.integers(0, 2), day=st.sampled_from(days))
        def request_visit(self, person: int, day: str) -> BookingModel:
            phone = _phone(100 + person)
            body = {"school": "市实验小学", "district": "东城区", "stage": "primary",
                    "contact_name": "赵老师", "phone": phone, "preferred_dates": [day],
                    "time_slot": "morning", "topic": "crisis", "audience": "teachers",
                    "audience_size": 40, "consent": True}
            response = client.post("/api/bookings", json=body)
            assert response.status_code == 201, response.text
            made = response.json()
            assert made["status"] == "requested"
            booking = BookingModel(made["id"], made["reference"], phone)
            self.model_bookings[booking.id] = booking
            return booking

        @rule(booking=bookings, right_phone=st.booleans())
        def look_up(self, booking: BookingModel, right_phone: bool) -> None:
            phone = booking.phone if right_phone else _phone(999)
            response = client.get(f"/api/bookings/{booking.reference}", params={"phone": phone})
            if not right_phone:
                assert_error(response, 404, "not_found")
                return
            assert response.status_code == 200, response.text
            body = response.json()
            assert (body["status"], body["date"], body["time_slot"] if booking.date else None) == (
                booking.status, booking.date, booking.slot)

        @rule(booking=bookings, right_phone=st.booleans())
        def school_cancels(self, booking: BookingModel, right_phone: bool) -> None:
            phone = booking.phone if right_phone else _phone(999)
            response = client.post(f"/api/bookings/{booking.reference}/cancel",
                                   json={"phone": phone})
            if not right_phone:
                assert_error(response, 404, "not_found")
            elif booking.status == "cancelled" or booking.status in ("requested", "confirmed"):
                assert response.status_code == 200, response.text
                booking.status = "cancelled"
                assert response.json()["status"] == "cancelled"
            else:
                assert_error(response, 409, "invalid_transition")

        @rule(booking=bookings, to=st.sampled_from(["confirmed", "completed", "declined",
                                                    "cancelled"]),
              day=st.sampled_from(days), slot=st.sampled_from(["morning", "afternoon"]))
        def bureau_moves(self, booking: BookingModel, to: str, day: str, slot: str) -> None:
            body: dict[str, Any] = {"status": to}
            if to == "confirmed":
                body.update(date=day, time_slot=slot, expert_id=self.expert)
            if to == "declined":
                body["reason"] = "专家时间冲突"
            response = client.patch(f"/api/admin/bookings/{booking.id}", json=body, headers=ADMIN)
            if to not in MOVES[booking.status]:
                assert_error(response, 409, "invalid_transition")
                return
            if to == "confirmed" and any(
                    other.id != booking.id and other.status == "confirmed"
                    and (other.date, other.slot) == (day, slot)
                    for other in self.model_bookings.values()):
                assert_error(response, 409, "expert_busy")
                return
            assert response.status_code == 200, response.text
            booking.status = to
            if to == "confirmed":
                booking.date, booking.slot = day, slot
            assert response.json()["status"] == to

        @rule(session=consumes(sessions))
        def forget_session(self, session: SessionModel) -> None:
            """Stop using a session (its records stay); keeps the bundle small."""

        @invariant()
        def counts_match(self) -> None:
            for session in self.model_sessions:
                public = client.get(f"/api/trainings/{session.id}").json()
                assert public["checked_in"] == len(session.check_ins), session
                stored = client.get(f"/api/admin/trainings/{session.id}/attendance",
                                    headers=ADMIN).json()["items"]
                assert sorted(r["id"] for r in stored) == sorted(session.check_ins.values())

        @invariant()
        def statuses_match(self) -> None:
            if not self.model_bookings:
                return
            listed = client.get("/api/admin/bookings", headers=ADMIN).json()["items"]
            mine = {b["id"]: b["status"] for b in listed if b["id"] in self.model_bookings}
            assert mine == {k: b.status for k, b in self.model_bookings.items()}

    return Portal


def test_bookings_and_sessions_follow_the_model(make_client: Callable[..., TestClient],
                                                built_site: Path) -> None:
    client = make_client(admin_token=TOKEN, rate_limit=0)
    run_state_machine_as_test(machine(client), settings=settings(
        max_examples=30, stateful_step_count=25, deadline=None, database=None,
        derandomize=True, suppress_health_check=list(HealthCheck)))
