"""The submission path: honeypot, fill-time token, retries, and the no-JavaScript HTML path."""

from __future__ import annotations

import re
import time

from starlette.testclient import TestClient

from forms_api.web import tokens
from tests.conftest import assert_error
from tests.forms_support import ADMIN, HTML, booking_body, check_in_body, make_session, volunteer_body


def _stored(client: TestClient, table: str) -> list[dict[str, object]]:
    items: list[dict[str, object]] = client.get(f"/api/admin/{table}", headers=ADMIN).json()["items"]
    return items


def _token(client: TestClient, age: float) -> str:
    secret = client.app.state.portal.secret  # type: ignore[attr-defined]
    return tokens.issue(secret, at=time.time() - age)


def test_honeypot_is_answered_as_success_and_stored_nowhere(portal_client: TestClient) -> None:
    response = portal_client.post("/api/volunteers", json=volunteer_body(website="http://spam"))
    assert response.status_code == 201 and response.json()["status"] == "pending"
    booking = portal_client.post("/api/bookings", json=booking_body(website="x"))
    assert booking.status_code == 201 and booking.json()["reference"].startswith("BK-")
    assert _stored(portal_client, "volunteers") == [] and _stored(portal_client, "bookings") == []


def test_honeypot_never_hides_invalid_data(portal_client: TestClient) -> None:
    assert_error(portal_client.post("/api/volunteers", json={"website": "x"}), 422,
                 "validation_error")
    assert_error(portal_client.post("/api/volunteers", json=volunteer_body(website=5)), 422,
                 "validation_error")


def test_too_fast_is_treated_like_the_honeypot(portal_client: TestClient) -> None:
    fresh = _token(portal_client, 0)
    response = portal_client.post("/api/volunteers", json=volunteer_body(form_token=fresh))
    assert response.status_code == 201
    assert _stored(portal_client, "volunteers") == []
    slow = _token(portal_client, 30)
    assert portal_client.post("/api/volunteers", json=volunteer_body(form_token=slow)).status_code == 201
    assert len(_stored(portal_client, "volunteers")) == 1


def test_forged_or_missing_token_is_accepted_like_a_script(portal_client: TestClient) -> None:
    forged = _token(portal_client, 30)[:-2] + "xx"
    assert portal_client.post("/api/volunteers", json=volunteer_body(form_token=forged)).status_code == 201
    assert len(_stored(portal_client, "volunteers")) == 1


def test_a_retried_booking_makes_one_record(portal_client: TestClient) -> None:
    token = _token(portal_client, 30)
    first = portal_client.post("/api/bookings", json=booking_body(form_token=token))
    again = portal_client.post("/api/bookings", json=booking_body(form_token=token))
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert len(_stored(portal_client, "bookings")) == 1
    # The same page used for another school's phone is a new booking, not a replay.
    other = portal_client.post("/api/bookings", json=booking_body(form_token=token,
                                                                  phone="13900139000"))
    assert other.json()["reference"] != first.json()["reference"]


def test_a_retried_sign_up_answers_with_the_first_record(portal_client: TestClient) -> None:
    token = _token(portal_client, 30)
    first = portal_client.post("/api/volunteers", json=volunteer_body(form_token=token))
    again = portal_client.post("/api/volunteers", json=volunteer_body(form_token=token))
    assert again.status_code == 201 and again.json() == first.json()
    assert len(_stored(portal_client, "volunteers")) == 1


def test_check_in_from_the_page_needs_consent(portal_client: TestClient) -> None:
    session = make_session(portal_client)
    url = f"/api/trainings/{session['id']}/attendance"
    token = _token(portal_client, 30)
    error = assert_error(portal_client.post(url, data=check_in_body(session, form_token=token)),
                         422, "validation_error")
    assert set(error["fields"]) == {"consent"}
    ok = portal_client.post(url, data=check_in_body(session, form_token=token, consent="on"))
    assert ok.status_code == 201
    record = portal_client.get(f"/api/admin/trainings/{session['id']}/attendance",
                               headers=ADMIN).json()["items"][0]
    assert record["consent"] is True and record["notice_version"]


# ---- without JavaScript ----------------------------------------------------------------------

def test_no_js_success_is_303_to_the_thank_you_page(portal_client: TestClient) -> None:
    form = {k: v for k, v in booking_body().items() if k != "consent"} | {"consent": "on"}
    response = portal_client.post("/api/bookings", data=form, headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/thanks/booking/\?ref=BK-[A-Z0-9]{4}-[A-Z0-9]{4}", location)
    page = portal_client.get(location)
    assert page.status_code == 200 and location.split("=")[1] in page.text

    volunteer = {**volunteer_body(), "public_profile": "on", "consent": "on"}
    response = portal_client.post("/api/volunteers", data=volunteer, headers=HTML,
                                  follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/thanks/volunteer/"
    assert portal_client.get("/thanks/volunteer/").status_code == 200


def test_no_js_check_in_shows_the_receipt(portal_client: TestClient) -> None:
    session = make_session(portal_client)
    body = check_in_body(session, consent="on")
    response = portal_client.post(f"/api/trainings/{session['id']}/attendance", data=body,
                                  headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    page = portal_client.get(response.headers["location"])
    assert "已签到 " in page.text and session["title"] in page.text
    # A repeat lands on the same receipt.
    again = portal_client.post(f"/api/trainings/{session['id']}/attendance", data=body,
                               headers=HTML, follow_redirects=False)
    assert again.headers["location"] == response.headers["location"]


def test_no_js_errors_keep_what_was_typed(portal_client: TestClient) -> None:
    typed = {"name": "<b>张</b>", "phone": "1380013", "organization": "市精神卫生中心",
             "qualifications": ["psychiatrist", "crisis-not-a-code"], "expertise": ["family"],
             "years_experience": "十", "bio": "简介</textarea><script>x</script>"}
    response = portal_client.post("/api/volunteers", data=typed, headers=HTML)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<base " not in page  # /api/volunteers is as deep as /volunteer/
    assert '<a href="#f-volunteers-phone">' in page
    assert 'value="&lt;b&gt;张&lt;/b&gt;"' in page and 'value="1380013"' in page
    assert "简介&lt;/textarea&gt;&lt;script&gt;x&lt;/script&gt;</textarea>" in page
    assert re.search(r'name="expertise" value="family"[^>]*checked', page)
    assert "请填写11位手机号，例如 13800138000" in page
    assert page.count('aria-invalid="true"') >= 4
    assert "<script>x</script>" not in page


def test_no_js_business_errors_are_pages_too(portal_client: TestClient) -> None:
    session = make_session(portal_client, code="2468")
    response = portal_client.post(f"/api/trainings/{session['id']}/attendance",
                                  data=check_in_body(session, code="1111", consent="on"),
                                  headers=HTML)
    assert response.status_code == 403 and "签到码不正确" in response.text
    assert '<base href="/attend/">' in response.text  # answered three levels deeper
    assert 'href="#f-attendance-code"' not in response.text
    assert session["title"] in response.text  # the session is still shown first


def test_script_clients_get_json_errors(portal_client: TestClient) -> None:
    response = portal_client.post("/api/volunteers", data={"name": "x"},
                                  headers={"Accept": "application/json"})
    assert_error(response, 422, "validation_error")


def test_a_scripts_retry_with_an_idempotency_key_makes_one_record(portal_client: TestClient) -> None:
    key = {"Idempotency-Key": "school-42-request-0001"}
    first = portal_client.post("/api/bookings", json=booking_body(), headers=key)
    again = portal_client.post("/api/bookings", json=booking_body(), headers=key)
    assert first.json() == again.json() and len(_stored(portal_client, "bookings")) == 1
    portal_client.post("/api/bookings", json=booking_body())
    portal_client.post("/api/bookings", json=booking_body(), headers={"Idempotency-Key": "short"})
    assert len(_stored(portal_client, "bookings")) == 3
