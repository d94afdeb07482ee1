"""The 学校名录 console pages: list and filter, edit, close, merge, import preview, mapping."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.admin_support import post_form
from tests.forms_support import check_in_body, make_session
from tests.schools.support import CITY, csv_bytes, schools


def test_import_is_previewed_then_applied(console: tuple[TestClient, str]) -> None:
    client, csrf = console
    page = client.get("/admin/schools/import/")
    assert page.status_code == 200 and "上传并预览" in page.text
    rows = [*CITY, ("123", "短码中学", "东城区", "初中", "")]
    preview = client.post("/admin/schools/import/", data={"csrf": csrf},
                          files={"file": ("名录.csv", csv_bytes(rows), "text/csv")})
    assert preview.status_code == 200, preview.text
    assert "预览（尚未写入）：将新增 5 所" in preview.text
    assert "第 7 行" in preview.text and "10 位数字" in preview.text
    assert schools(client) == {}
    token = preview.text.split('name="token" value="')[1].split('"')[0]
    applied = post_form(client, "/admin/schools/import/", csrf, token=token)
    assert applied.status_code == 200 and "已导入：新增 5 所" in applied.text
    assert len(schools(client)) == 5
    again = post_form(client, "/admin/schools/import/", csrf, token=token)
    assert again.status_code == 409 and "预览已过期" in again.text
    forged = client.post("/admin/schools/import/", data={"csrf": "wrong"},
                         files={"file": ("名录.csv", csv_bytes(rows), "text/csv")})
    assert forged.status_code == 403


def test_list_filter_edit_close_and_merge(console: tuple[TestClient, str]) -> None:
    client, csrf = console
    client.post("/admin/schools/import/", data={"csrf": csrf},
                files={"file": ("c.csv", csv_bytes(CITY), "text/csv")})
    token_page = client.post("/admin/schools/import/", data={"csrf": csrf},
                             files={"file": ("c.csv", csv_bytes(CITY), "text/csv")})
    token = token_page.text.split('name="token" value="')[1].split('"')[0]
    post_form(client, "/admin/schools/import/", csrf, token=token)
    listing = client.get("/admin/schools/", params={"district": "西城区"})
    assert "第一高级中学" in listing.text and "第六中学" not in listing.text
    assert "第六中学" in client.get("/admin/schools/", params={"q": "市六中"}).text
    found = schools(client)
    six, high, yucai = (found[n]["id"] for n in ("第六中学", "第一高级中学", "育才中学"))
    bad = post_form(client, f"/admin/schools/{six}/", csrf, action="save", name="第六中学",
                    district="东城区", stage="junior", code="99")
    assert bad.status_code == 422 and "10 位数字" in bad.text and 'value="99"' in bad.text
    saved = post_form(client, f"/admin/schools/{six}/", csrf, action="save", name="第六中学",
                      district="东城区", stage="junior", code="3141000001",
                      aliases="六中、东城六中")
    assert saved.status_code == 303
    assert schools(client)["第六中学"]["aliases"] == ["六中", "东城六中"]
    closed = post_form(client, f"/admin/schools/{six}/", csrf, action="close")
    assert closed.status_code == 303 and not schools(client)["第六中学"]["active"]
    merged = post_form(client, f"/admin/schools/{high}/", csrf, action="merge",
                       absorbed_id=yucai)
    assert merged.status_code == 303
    assert "已合并到第一高级中学" in client.get("/admin/schools/").text
    new = post_form(client, "/admin/schools/new/", csrf, name="红旗小学", district="北区",
                    stage="primary")
    assert new.status_code == 303 and "红旗小学" in schools(client)


def test_the_mapping_page_maps_a_text(console: tuple[TestClient, str]) -> None:
    client, csrf = console
    page = client.post("/admin/schools/import/", data={"csrf": csrf},
                       files={"file": ("c.csv", csv_bytes(CITY), "text/csv")})
    token = page.text.split('name="token" value="')[1].split('"')[0]
    post_form(client, "/admin/schools/import/", csrf, token=token)
    session = make_session(client)
    client.post(f"/api/trainings/{session['id']}/attendance",
                json=check_in_body(session, school="六中初中部"))
    mapping = client.get("/admin/schools/mapping/")
    assert "六中初中部" in mapping.text and "培训签到 1" in mapping.text
    six = schools(client)["第六中学"]["id"]
    done = post_form(client, "/admin/schools/mapping/", csrf, text="六中初中部", school_id=six)
    assert done.status_code == 303
    assert "没有待对应的名称" in client.get("/admin/schools/mapping/").text
