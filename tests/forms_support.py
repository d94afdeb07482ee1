"""Helpers for the tests of the public forms: a portal client, sessions, valid bodies."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

ADMIN_TOKEN = "test-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def make_session(client: TestClient, *, opens_in: float = -10, minutes: float = 120,
                 **fields: Any) -> dict[str, Any]:
    """Create a training session through the admin API; `opens_in` minutes from now it starts."""
    import datetime as dt

    from forms_api import clock

    starts = clock.now() + dt.timedelta(minutes=opens_in)
    body = {"module": "policy", "title": "心理健康教育政策与工作机制（第一期）",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(minutes=minutes)).isoformat(),
            "location": "市教育局三楼报告厅", "capacity": 300, **fields}
    response = client.post("/api/admin/trainings", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    session: dict[str, Any] = response.json()
    return session


def check_in_body(session: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": "王芳", "school": "市第一中学", "phone": "13800138000",
            "code": session["code"], **fields}


def volunteer_body(**fields: Any) -> dict[str, Any]:
    return {"name": "张明", "phone": "13700137000", "organization": "市精神卫生中心",
            "title": "主任医师", "qualifications": ["psychiatrist"], "years_experience": 10,
            "expertise": ["crisis", "family"], "public_profile": True, "consent": True,
            **fields}


def approved_expert(client: TestClient, **fields: Any) -> str:
    response = client.post("/api/volunteers", json=volunteer_body(**fields))
    assert response.status_code == 201, response.text
    expert_id: str = response.json()["id"]
    patched = client.patch(f"/api/admin/volunteers/{expert_id}", json={"status": "approved"},
                           headers=ADMIN)
    assert patched.status_code == 200, patched.text
    return expert_id


def booking_body(**fields: Any) -> dict[str, Any]:
    from forms_api.bookings.forms import eligible_dates

    days = eligible_dates()
    return {"school": "市实验小学", "district": "东城区", "stage": "primary",
            "contact_name": "赵老师", "phone": "0391-1234567",
            "preferred_dates": [days[0].isoformat(), days[5].isoformat()],
            "time_slot": "morning", "topic": "crisis", "audience": "teachers",
            "audience_size": 80, "consent": True, **fields}
