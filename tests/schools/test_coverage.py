"""Coverage from the registry as forms fill it: name variants count once, a closed school none."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.forms_support import ADMIN, check_in_body, make_session
from tests.schools.support import import_city


def test_coverage_counts_name_variants_once_and_leaves_a_closed_school_out(
        portal_client: TestClient) -> None:
    found = import_city(portal_client)
    portal_client.post(f"/api/admin/schools/{found['实验小学']['id']}/close", headers=ADMIN)
    session = make_session(portal_client)
    for phone, school in (("13800000001", "第六中学"), ("13800000002", "市六中"),
                          ("13800000003", "实验小学"), ("13800000004", "光明私立学校")):
        response = portal_client.post(f"/api/trainings/{session['id']}/attendance",
                                      json=check_in_body(session, phone=phone, school=school))
        assert response.status_code == 201, response.text
    stats = portal_client.get("/api/admin/stats", headers=ADMIN)
    assert stats.status_code == 200, stats.text
    schools = stats.json()["schools"]
    assert (schools["total"], schools["covered"]) == (4, 1)
    assert {s["name"] for s in schools["uncovered"]} == {"第一高级中学", "育才中学", "特殊教育学校"}
    assert stats.json()["teachers_trained"] == 4
    assert stats.json()["unlinked_checkins"] == 2  # the private school, and the closed one's
