"""The form declarations: shared field types, Chinese messages, rendering and the build hook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mkdocs.exceptions import PluginError
from starlette.testclient import TestClient

from forms_api.app import FORMS
from forms_api.bookings.forms import normalize_reference
from forms_api.errors import ApiError
from forms_api.forms.fields import normalize_mobile, normalize_phone
from forms_api.forms.render import render_form, replace_region
from forms_api.forms.validation import properties, validate
from forms_api.settings import Settings
from forms_api.volunteers.forms import Volunteer
from forms_api.web.context import notice_version
from tests.forms_support import ADMIN, volunteer_body


@pytest.mark.parametrize("typed", ["13800138000", "138 0013 8000", "138-0013-8000",
                                   "+86 13800138000", "86-138-0013-8000", " 13800138000 "])
def test_mobile_numbers_are_stored_as_11_digits(typed: str) -> None:
    assert normalize_mobile(typed) == "13800138000"


@pytest.mark.parametrize("typed", ["12800138000", "1380013800", "138001380001", "+1 13800138000",
                                   "0391-1234567", "一三八", ""])
def test_not_mobile_numbers(typed: str) -> None:
    with pytest.raises(ValueError, match="11位手机号"):
        normalize_mobile(typed)


@pytest.mark.parametrize("typed,stored", [("0391-1234567", "0391-1234567"),
                                          ("(0391) 123 4567", "0391-1234567"),
                                          ("010-12345678", "010-12345678"),
                                          ("02112345678", "021-12345678"),
                                          ("+86 139 0013 9000", "13900139000")])
def test_landlines_are_stored_with_their_area_code(typed: str, stored: str) -> None:
    assert normalize_phone(typed) == stored


def test_references_as_typed() -> None:
    assert normalize_reference(" bk 7k3m-9qxa ") == "BK-7K3M-9QXA"
    assert normalize_reference("7K3M9QXA") == "BK-7K3M-9QXA"


def test_every_field_has_a_chinese_label_and_strings_and_lists_have_limits() -> None:
    for spec in FORMS.values():
        for name, prop in properties(spec.model).items():
            assert prop.get("title") and not prop["title"].isascii(), (spec.name, name)
            inner = next((o for o in prop.get("anyOf", ()) if o.get("type") != "null"), prop)
            if inner.get("type") == "string" and "enum" not in inner and "format" not in inner:
                assert "maxLength" in inner, (spec.name, name)
            if inner.get("type") == "array":
                assert "maxItems" in inner, (spec.name, name)
                items = inner["items"]
                if items.get("type") == "string" and not {"enum", "format"} & set(items):
                    assert "maxLength" in inner["items"], (spec.name, name)


def test_forms_refuse_unknown_fields() -> None:
    for spec in FORMS.values():
        assert spec.model.model_config.get("extra") == "forbid"


def test_all_errors_at_once_with_what_to_fix() -> None:
    with pytest.raises(ApiError) as caught:
        validate(Volunteer, {"name": " ", "phone": "123", "years_experience": 61,
                             "qualifications": ["x"], "expertise": [], "email": "a@b"}, json=True)
    fields = caught.value.fields or {}
    assert fields == {
        "name": "请填写姓名",
        "phone": "请填写11位手机号，例如 13800138000",
        "email": "请填写有效的电子邮箱，例如 name@example.com；没有可以不填",
        "organization": "请填写工作单位",
        "qualifications": "请从给出的选项中选择专业资质",
        "years_experience": "心理健康相关从业年限请填写 0 到 60 之间的整数",
        "expertise": "擅长领域请至少选择或填写 1 项",
        "consent": "请勾选“我已阅读并同意《个人信息保护说明》”",
    }


def test_empty_optional_strings_are_absent() -> None:
    form = validate(Volunteer, volunteer_body(email="", title="  ", bio=""), json=True)
    assert form.email is None and form.title is None and form.bio is None


def test_render_escapes_values_and_errors() -> None:
    html = render_form(FORMS["volunteers"], values={"name": '"><script>'}, errors={"name": "<b>"},
                       message="<i>")
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert 'value="&quot;&gt;&lt;script&gt;"' in html


def test_replace_region_fails_loudly_when_a_page_lacks_it() -> None:
    with pytest.raises(LookupError):
        replace_region("<p>no regions</p>", "slot", "experts", "x")


def test_hook_fails_the_build_on_unknown_names() -> None:
    from hooks.forms import on_page_content

    class Page:
        class file:
            src_uri = "x.md"

    class Files:
        def get_file_from_path(self, path: str) -> Any:
            return None

    for marker in ("<!-- portal:form nope -->", "<!-- portal:slot nope -->",
                   "<!-- portal:form volunteers -->"):
        with pytest.raises(PluginError):
            on_page_content(marker, Page(), None, Files())  # type: ignore[arg-type]


def test_records_carry_the_privacy_notice_version(portal_client: TestClient) -> None:
    version = notice_version(Settings())
    assert version and version in (Settings().content_dir / "privacy.md").read_text(encoding="utf-8")
    portal_client.post("/api/volunteers", json=volunteer_body())
    record = portal_client.get("/api/admin/volunteers", headers=ADMIN).json()["items"][0]
    assert record["notice_version"] == version


def test_privacy_notice_covers_what_the_issue_asks(built_site: Path) -> None:
    text = (built_site / "privacy/index.html").read_text(encoding="utf-8")
    for words in ("谁在处理", "联系方式", "用途", "收集的信息", "保存多久", "查阅", "更正", "删除"):
        assert words in text, words


def test_the_summary_lists_every_error_once_with_a_link_to_its_field() -> None:
    html = render_form(FORMS["volunteers"], errors={"name": "请填写姓名", "expertise": "请至少选择一项擅长领域"},
                       message="有 2 处需要修改：请填写姓名；请至少选择一项擅长领域")
    summary = html.split("data-portal-summary", 1)[1].split("</div>", 1)[0]
    assert "<p>有 2 处需要修改：</p>" in summary
    assert '<a href="#f-volunteers-name">请填写姓名</a>' in summary
    assert '<a href="#f-volunteers-expertise-0">请至少选择一项擅长领域</a>' in summary
    business = render_form(FORMS["volunteers"], errors={"years_experience": "需要 3 年以上"},
                           message="暂不符合报名条件：有 3 年以上心理健康相关工作经历。")
    assert "<p>暂不符合报名条件" in business


def test_full_width_digits_from_a_chinese_keyboard() -> None:
    assert normalize_mobile("１３８ ００１３ ８０００") == "13800138000"
    assert normalize_phone("０３９１－１２３４５６７") == "0391-1234567"
    assert normalize_reference("ＢＫ－７Ｋ３Ｍ－９ＱＸＡ") == "BK-7K3M-9QXA"
