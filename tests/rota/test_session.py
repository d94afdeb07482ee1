"""The rota's own-page endpoints: a revoked link ends the session; unknown actions are 404."""

from __future__ import annotations

import datetime as dt

from starlette.testclient import TestClient

from tests.conftest import assert_error
from tests.forms_support import ADMIN
from tests.rota.support import add_shift, at, cookie, make_hotline, volunteer


def test_revoking_the_link_ends_the_rota_session(portal_client: TestClient) -> None:
    vid = volunteer(portal_client, "13900139500")
    portal_client.cookies.clear()  # her training check-in's own-record session
    headers = cookie(portal_client, vid)
    assert portal_client.get("/api/me/shifts", headers=headers).status_code == 200
    assert "我的班次" in portal_client.get("/me/shifts/", headers=headers).text
    assert portal_client.delete(f"/api/admin/volunteers/{vid}/link",
                                headers=ADMIN).json() == {"revoked": 1}
    assert_error(portal_client.get("/api/me/shifts", headers=headers), 401, "unauthorized")
    page = portal_client.get("/me/shifts/", headers=headers).text
    assert "请先通过教育局发给您的个人链接打开" in page and "我的班次" not in page


def test_an_unknown_action_is_404_and_changes_nothing(portal_client: TestClient) -> None:
    line = make_hotline(portal_client)
    shift = add_shift(portal_client, line["id"], at(3, 8) + dt.timedelta(minutes=0))
    vid = volunteer(portal_client, "13900139501")
    headers = cookie(portal_client, vid)
    for path in (f"/api/me/shifts/{shift['id']}/grab", "/api/me/swaps/x/steal"):
        assert_error(portal_client.post(path, headers=headers), 404, "not_found")
    assert_error(portal_client.post("/api/admin/rota/swaps/x/maybe", headers=ADMIN), 404,
                 "not_found")
    listed = portal_client.get("/api/admin/shifts", headers=ADMIN).json()["items"]
    assert next(s for s in listed if s["id"] == shift["id"])["volunteers"] == []
