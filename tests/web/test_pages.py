"""The form pages: built from the declarations, served with their regions filled."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from forms_api.app import FORMS
from forms_api.bookings.forms import eligible_dates
from forms_api.forms import META_FIELDS
from forms_api.forms.validation import properties
from tests.conftest import assert_error
from tests.forms_support import HTML, approved_expert, booking_body, make_session


class _Controls(HTMLParser):
    """Every named control inside `<form data-portal-form=NAME>`, with its attributes."""

    def __init__(self, form: str) -> None:
        super().__init__()
        self.form = form
        self.inside = False
        self.controls: list[dict[str, Any]] = []
        self.select: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self.inside = found.get("data-portal-form") == self.form
        elif self.inside and tag in {"input", "select", "textarea"} and found.get("name"):
            control = {"tag": tag, **found, "options": []}
            self.controls.append(control)
            if tag == "select":
                self.select = control
        elif self.inside and tag == "option" and self.select is not None:
            self.select["options"].append(found.get("value"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def controls(html: str, form: str) -> list[dict[str, Any]]:
    parser = _Controls(form)
    parser.feed(html)
    return parser.controls


def _check_page_matches_declaration(html: str, form: str) -> None:
    spec = FORMS[form]
    found = controls(html, form)
    assert found, f"no form {form} on its page"
    names = {c["name"] for c in found}
    assert names == set(properties(spec.model)) | set(META_FIELDS), form
    required = set(spec.model.model_json_schema().get("required", ()))
    for name, prop in properties(spec.model).items():
        mine = [c for c in found if c["name"] == name]
        inner = next((o for o in prop.get("anyOf", ()) if o.get("type") != "null"), prop)
        needed = name in required or prop.get("x-form-required", False)
        if prop.get("x-widget") == "checkboxes":
            # HTML cannot require "one of these boxes"; the group says it, the server checks.
            assert not any("required" in c for c in mine), (form, name)
            legend = re.search(rf'data-field="{name}"[^>]*><legend>(.*?)</legend>', html)
            assert legend and "portal-field__req" in legend[1] and "至少" in prop["description"]
        else:
            assert ("required" in mine[0]) == needed, (form, name)
        if "maxLength" in inner and mine[0]["tag"] in {"input", "textarea"} and (
                mine[0].get("type") != "hidden"):
            # A field may let people type more than is stored (a code typed with spaces).
            typed = prop.get("x-form-max-length", inner["maxLength"])
            assert mine[0]["maxlength"] == str(typed), (form, name)
        if "x-choices" in prop and prop.get("x-widget") != "select" or "enum" in inner.get(
                "items", {}):
            codes = {c["value"] for c in mine}
            assert codes == {code for code, _ in prop["x-choices"]}, (form, name)
        if prop.get("x-widget") == "select" and prop.get("x-choices"):
            assert set(mine[0]["options"]) - {""} == {c for c, _ in prop["x-choices"]}
        if prop.get("x-inputmode"):
            assert all(c.get("inputmode") == prop["x-inputmode"] for c in mine), (form, name)


@pytest.mark.parametrize("form", list(FORMS))
def test_built_page_has_exactly_the_declared_fields(built_site: Path, form: str) -> None:
    html = (built_site / FORMS[form].page / "index.html").read_text(encoding="utf-8")
    _check_page_matches_declaration(html, form)
    assert "本表单需要在线提交" in html  # the offline copy says so


@pytest.mark.parametrize("path,form", [("/volunteer/", "volunteers"), ("/booking/", "bookings"),
                                       ("/booking/status/", "booking_lookup")])
def test_served_page_has_exactly_the_declared_fields(portal_client: TestClient, path: str,
                                                     form: str) -> None:
    page = portal_client.get(path)
    assert page.status_code == 200
    _check_page_matches_declaration(page.text, form)
    assert "本表单需要在线提交" not in page.text
    token = next(c for c in controls(page.text, form) if c["name"] == "form_token")
    assert re.fullmatch(r"\d+\.[\w-]+\.[\w-]+=*", token["value"])


def test_every_form_links_the_privacy_notice_and_warns_about_students(built_site: Path) -> None:
    for form in ("attendance", "volunteers", "bookings"):
        html = (built_site / FORMS[form].page / "index.html").read_text(encoding="utf-8")
        assert re.search(r'<a href="(\.\./)+privacy/">《个人信息保护说明》</a>', html), form
    for form in ("volunteers", "bookings"):
        html = (built_site / FORMS[form].page / "index.html").read_text(encoding="utf-8")
        assert "请不要填写学生姓名" in html


def test_phone_friendly_controls(built_site: Path) -> None:
    for form in ("attendance", "volunteers", "bookings"):
        html = (built_site / FORMS[form].page / "index.html").read_text(encoding="utf-8")
        assert 'type="date"' not in html and 'type="file"' not in html
        assert 'name="phone"' in html and re.search(r'name="phone"[^>]*inputmode="(numeric|tel)"', html)
        assert not re.search(r"\son[a-z]+=", html.split("<!--portal:form", 1)[1])


def test_booking_page_offers_eligible_dates_and_experts(portal_client: TestClient) -> None:
    expert = approved_expert(portal_client)
    page = portal_client.get("/booking/").text
    dates = next(c for c in controls(page, "bookings") if c["name"] == "preferred_dates")
    assert dates["tag"] == "select"
    assert [d for d in dates["options"] if d] == [d.isoformat() for d in eligible_dates()]
    experts = next(c for c in controls(page, "bookings") if c["name"] == "expert_id")
    assert expert in experts["options"]


def test_attend_page_shows_the_session_before_the_form(portal_client: TestClient) -> None:
    session = make_session(portal_client, location="市教育局三楼报告厅")
    page = portal_client.get(f"/attend/?session={session['id']}&code={session['code']}").text
    facts = page.index(session["title"])
    assert facts < page.index('data-portal-form="attendance"')
    assert "市教育局三楼报告厅" in page and "正在签到" in page
    code = next(c for c in controls(page, "attendance") if c["name"] == "code")
    assert code["value"] == session["code"] and code["inputmode"] == "numeric"
    assert f'action="/api/trainings/{session["id"]}/attendance"' in page


def test_last_weeks_link_says_it_is_closed(portal_client: TestClient) -> None:
    old = make_session(portal_client, opens_in=-7 * 24 * 60, minutes=120)
    page = portal_client.get(f"/attend/?session={old['id']}&code={old['code']}").text
    assert "签到已关闭" in page and old["title"] in page


def test_attend_by_typed_code(portal_client: TestClient) -> None:
    session = make_session(portal_client, code="8642")
    start = portal_client.get("/attend/").text
    assert 'name="code"' in start and 'action="/attend/"' in start
    assert 'data-portal-form="attendance"' not in start
    found = portal_client.get("/attend/?code=8642").text
    assert session["title"] in found and 'data-portal-form="attendance"' in found
    missing = portal_client.get("/attend/?code=9999").text
    assert "没有找到" in missing
    unknown = portal_client.get("/attend/?session=nope").text
    assert "找不到这场培训" in unknown


def test_experts_and_schedule_pages_list_from_the_database(portal_client: TestClient) -> None:
    assert "正在审核整理" in portal_client.get("/experts/").text
    approved_expert(portal_client, name="<i>钱</i>医生")
    experts = portal_client.get("/experts/").text
    assert "&lt;i&gt;钱&lt;/i&gt;医生" in experts and "13700137000" not in experts
    session = make_session(portal_client, opens_in=24 * 60)
    schedule = portal_client.get("/training/schedule/").text
    assert session["title"] in schedule and session["code"] not in schedule


def test_status_lookup_and_cancel_without_javascript(portal_client: TestClient) -> None:
    ref = portal_client.post("/api/bookings", json=booking_body()).json()["reference"]
    found = portal_client.post("/booking/status/", data={"reference": ref, "phone": "0391 1234567"},
                               headers=HTML)
    assert found.status_code == 200 and ref in found.text and "已提交，等待安排" in found.text
    wrong = portal_client.post("/booking/status/", data={"reference": ref, "phone": "13800138000"},
                               headers=HTML)
    assert wrong.status_code == 404 and "没有找到这个预约" in wrong.text
    assert 'value="13800138000"' in wrong.text  # what was typed is kept
    cancelled = portal_client.post(f"/api/bookings/{ref}/cancel", data={"phone": "0391-1234567"},
                                   headers=HTML, follow_redirects=False)
    assert cancelled.status_code == 303
    page = portal_client.get(cancelled.headers["location"]).text
    assert f"预约 {ref} 已取消" in page


def test_thank_you_pages_escape_and_check_what_they_show(portal_client: TestClient) -> None:
    page = portal_client.get("/thanks/booking/?ref=<script>alert(1)</script>").text
    assert "<script>alert(1)</script>" not in page and "没有收到预约编号" in page
    assert "没有找到这条签到记录" in portal_client.get("/thanks/attend/?id=nope").text


def test_site_pages_of_the_contract_answer(portal_client: TestClient) -> None:
    for path in ("/training/schedule/", "/attend/", "/volunteer/", "/experts/", "/booking/",
                 "/booking/status/", "/privacy/", "/thanks/volunteer/"):
        assert portal_client.get(path).status_code == 200, path
    assert portal_client.get("/attend").status_code == 200  # redirected to /attend/


def test_served_form_pages_keep_the_csp(portal_client: TestClient) -> None:
    page = portal_client.get("/volunteer/")
    assert "'unsafe-inline'" not in page.headers["content-security-policy"].split("script-src")[1].split(";")[0]
    assert "assets/js/forms.js" in page.text


def test_status_page_post_refusals(make_client: Any) -> None:
    client = make_client(rate_limit=2)
    page = client.post("/booking/status/", data={"reference": "x"},
                       headers={"Accept": "application/json"})
    assert page.status_code == 422 and "请填写联系电话" in page.text
    assert_error(client.post("/booking/status/", content=b"x", headers={"content-type": "text/plain"}),
                 415, "unsupported_media_type")
    assert_error(client.post("/booking/status/", data={"reference": "x"}), 429, "rate_limited")
