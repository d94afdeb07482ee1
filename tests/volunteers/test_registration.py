"""Expert volunteers: sign-up, eligibility, duplicates and the public list of experts."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import assert_error
from tests.forms_support import ADMIN, approved_expert, volunteer_body


def test_sign_up_is_pending(portal_client: TestClient) -> None:
    response = portal_client.post("/api/volunteers", json=volunteer_body())
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "status"} and body["status"] == "pending"
    record = portal_client.get("/api/admin/volunteers?status=pending", headers=ADMIN).json()["items"][0]
    assert record["phone"] == "13700137000" and record["notice_version"]
    assert record["consent"] is True and record["created_at"].endswith("+08:00")


def test_form_encoded_lists_and_booleans(portal_client: TestClient) -> None:
    form = volunteer_body(expertise=["crisis", "growth", "crisis"], districts="东城区，西城区",
                          public_profile="on", consent="on", years_experience="5")
    response = portal_client.post("/api/volunteers", data=form)
    assert response.status_code == 201, response.text
    record = portal_client.get("/api/admin/volunteers", headers=ADMIN).json()["items"][0]
    assert record["expertise"] == ["crisis", "growth"]
    assert record["districts"] == ["东城区", "西城区"]
    assert record["public_profile"] is True and record["years_experience"] == 5


def test_json_is_checked_strictly(portal_client: TestClient) -> None:
    error = assert_error(portal_client.post("/api/volunteers", json=volunteer_body(
        years_experience="5", consent="true")), 422, "validation_error")
    assert set(error["fields"]) == {"years_experience", "consent"}


def test_consent_is_required(portal_client: TestClient) -> None:
    error = assert_error(portal_client.post("/api/volunteers", json=volunteer_body(consent=False)),
                         422, "validation_error")
    assert "个人信息保护说明" in error["fields"]["consent"]


def test_ineligible_applicant_is_told_the_unmet_criterion(portal_client: TestClient) -> None:
    only_other = assert_error(portal_client.post("/api/volunteers", json=volunteer_body(
        qualifications=["other"])), 422, "validation_error")
    assert "资质" in only_other["message"] and "年" not in only_other["message"]
    too_new = assert_error(portal_client.post("/api/volunteers", json=volunteer_body(
        years_experience=2)), 422, "validation_error")
    assert "3 年以上" in too_new["message"] and set(too_new["fields"]) == {"years_experience"}


def test_duplicate_phone_is_409_until_rejected(portal_client: TestClient) -> None:
    first = portal_client.post("/api/volunteers", json=volunteer_body()).json()
    assert_error(portal_client.post("/api/volunteers", json=volunteer_body(name="张明明")),
                 409, "already_registered")
    portal_client.patch(f"/api/admin/volunteers/{first['id']}", json={"status": "rejected"},
                        headers=ADMIN)
    assert portal_client.post("/api/volunteers", json=volunteer_body()).status_code == 201


def test_public_cannot_set_status_or_ids(portal_client: TestClient) -> None:
    error = assert_error(portal_client.post("/api/volunteers", json=volunteer_body(
        status="approved", id="x", created_at="2020-01-01")), 422, "validation_error")
    assert set(error["fields"]) == {"status", "id", "created_at"}


def test_experts_are_approved_public_profiles_without_contacts(portal_client: TestClient) -> None:
    shown = approved_expert(portal_client, email="zhang@example.com")
    approved_expert(portal_client, phone="13600136000", public_profile=False)
    portal_client.post("/api/volunteers", json=volunteer_body(phone="13500135000"))  # pending
    response = portal_client.get("/api/experts")
    items = response.json()["items"]
    assert [e["id"] for e in items] == [shown]
    assert set(items[0]) == {"id", "name", "title", "organization", "expertise"}
    assert "13700137000" not in response.text and "example.com" not in response.text
