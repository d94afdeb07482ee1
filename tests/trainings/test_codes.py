"""Rotating check-in codes: RFC 6238's vector, the grace window, expired and forwarded codes."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from starlette.testclient import TestClient

from forms_api import clock
from forms_api.trainings import codes
from tests.conftest import assert_error
from tests.forms_support import ADMIN, check_in_body, make_session
from tests.trainings.timing import Clock


def test_hotp_matches_rfc_6238_sha1_vector() -> None:
    # RFC 6238 appendix B: T = 59 s, period 30, secret "12345678901234567890" → 94287082.
    assert codes.hotp(b"12345678901234567890", 59 // 30) == "287082"
    assert codes.hotp(b"12345678901234567890", 1111111109 // 30) == "081804"


def _session(period: int) -> dict[str, object]:
    starts = clock.now()
    return {"id": "s", "code": "1234", "code_secret": codes.new_secret(),
            "code_rotation_seconds": period, "starts_at": clock.iso(starts)}


def test_judge_current_grace_expired_and_wrong() -> None:
    session = _session(30)
    at = clock.now() + dt.timedelta(minutes=30)
    shown, changes = codes.current(session, at=at)
    assert changes is not None and 0 < (changes - at).total_seconds() <= 30
    assert codes.judge(session, shown, at) == "ok"
    assert codes.judge(session, shown, at - dt.timedelta(seconds=100)) == "ok"  # a phone behind
    assert codes.judge(session, shown, at + dt.timedelta(seconds=110)) == "ok"  # 2 periods + 60 s
    assert codes.judge(session, shown, at + dt.timedelta(seconds=181)) == "expired"
    assert codes.judge(session, shown, at + dt.timedelta(hours=1)) == "expired"
    others = {codes.current(session, at=at + dt.timedelta(seconds=30 * n))[0] for n in range(-400, 400)}
    stranger = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in others)
    assert codes.judge(session, stranger, at) == "wrong"
    # The sign-out code is another code, and the fixed code does not rotate.
    out, _ = codes.current(session, "signout", at)
    assert out != shown and codes.judge(session, out, at, "signout") == "ok"
    fixed = {**session, "code_rotation_seconds": 0}
    assert codes.current(fixed) == ("1234", None)
    assert codes.judge(fixed, "1234", at + dt.timedelta(days=3)) == "ok"


def test_api_with_rotation(portal_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    session = make_session(portal_client, code_rotation_seconds=30)
    assert session["code_rotation_seconds"] == 30
    now = Clock(monkeypatch)
    url = f"/api/trainings/{session['id']}/attendance"
    answer = portal_client.get(f"/api/admin/trainings/{session['id']}/code", headers=ADMIN)
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    shown = answer.json()
    assert len(shown["code"]) == 6 and clock.parse_iso(shown["expires_at"]) > now.at
    assert portal_client.get(f"/api/admin/trainings/{session['id']}/code").status_code == 401
    # The fixed code no longer works once the session rotates.
    assert_error(portal_client.post(url, json=check_in_body(session)), 403, "wrong_code")
    now.move(80)  # a slow phone, within the grace window
    ok = portal_client.post(url, json=check_in_body(session, code=shown["code"]))
    assert ok.status_code == 201, ok.text
    now.move(3600)  # the link forwarded to a WeChat group, an hour later
    forwarded = portal_client.post(url, json=check_in_body(session, code=shown["code"],
                                                           phone="13900000001"))
    assert "过期" in assert_error(forwarded, 403, "code_expired")["message"]
    fresh = portal_client.get(f"/api/admin/trainings/{session['id']}/code", headers=ADMIN).json()
    assert fresh["code"] != shown["code"]
    assert portal_client.post(url, json=check_in_body(session, code=fresh["code"],
                                                      phone="13900000001")).status_code == 201
    # No public answer carries the secret or the code.
    public = portal_client.get(f"/api/trainings/{session['id']}").text
    assert "code_secret" not in public and fresh["code"] not in public
    admin = portal_client.get("/api/admin/trainings", headers=ADMIN).text
    assert "code_secret" not in admin


def test_typed_rotating_code_finds_its_session(portal_client: TestClient) -> None:
    session = make_session(portal_client, code_rotation_seconds=30)
    shown = portal_client.get(f"/api/admin/trainings/{session['id']}/code", headers=ADMIN).json()
    typed = " ".join(shown["code"]).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    page = portal_client.get("/attend/", params={"code": typed})
    assert page.status_code == 200
    assert f'action="/api/trainings/{session["id"]}/attendance"' in page.text


def test_rotation_below_ten_seconds_is_refused(portal_client: TestClient) -> None:
    from tests.forms_support import ADMIN as headers
    body = {"module": "policy", "title": "测试场次", "starts_at": clock.iso(clock.now()),
            "ends_at": clock.iso(clock.now() + dt.timedelta(hours=1)), "location": "报告厅",
            "capacity": 10, "code_rotation_seconds": 5}
    error = assert_error(portal_client.post("/api/admin/trainings", json=body, headers=headers),
                         422, "validation_error")
    assert "code_rotation_seconds" in error["fields"]


@pytest.mark.parametrize("typed", ["682 943", "６８２９４３", "６８２　９４３", " 682-943 "])
def test_a_fixed_code_typed_as_people_type_it(portal_client: TestClient, typed: str) -> None:
    """Issue 12: the finder on /attend/ refused full-width digits and `682 943`; the check-in
    and sign-out forms take the code typed the same ways."""
    session = make_session(portal_client, code="682943", sign_out=True)
    page = portal_client.get("/attend/", params={"code": typed})
    assert page.status_code == 200
    assert f'action="/api/trainings/{session["id"]}/attendance"' in page.text
    assert 'name="code"' in page.text and 'value="682943"' in page.text
    done = portal_client.post(f"/api/trainings/{session['id']}/attendance",
                              json=check_in_body(session, code=typed))
    assert done.status_code == 201, done.text
    out = portal_client.get(f"/api/admin/trainings/{session['id']}/code",
                            params={"purpose": "signout"}, headers=ADMIN).json()["code"]
    spaced = f"{out[:3]} {out[3:]}".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    signed = portal_client.post(f"/api/trainings/{session['id']}/signout",
                                json={"phone": "13800138000", "code": spaced})
    assert signed.status_code == 200, signed.text
    # The browser's own check lets the same through (the pattern the page carries).
    form = portal_client.get("/attend/", params={"session": session["id"]}).text
    pattern = re.search(r'name="code"[^>]*pattern="([^"]+)"', form)
    assert pattern is not None and re.fullmatch(html.unescape(pattern[1]), typed)


def test_an_eight_digit_code_typed_with_spaces_fits_the_field(portal_client: TestClient) -> None:
    """`1234 5678` is nine characters: the page's field must not cut it at the stored eight."""
    session = make_session(portal_client, code="12345678")
    form = portal_client.get("/attend/", params={"session": session["id"]}).text
    length = re.search(r'name="code"[^>]*maxlength="(\d+)"', form) or re.search(
        r'maxlength="(\d+)"[^>]*name="code"', form)
    assert length is not None and int(length[1]) >= len("1234 5678")
    done = portal_client.post(f"/api/trainings/{session['id']}/attendance",
                              json=check_in_body(session, code="１２３４ ５６７８"))
    assert done.status_code == 201, done.text
    too_long = portal_client.post(f"/api/trainings/{session['id']}/attendance",
                                  json=check_in_body(session, code="123456789"))
    assert too_long.status_code == 422
