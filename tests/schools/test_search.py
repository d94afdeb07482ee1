"""The public search behind the pickers: characters, pinyin initials, code, full-width, limits."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from forms_api.schools.search import initials_match
from tests.forms_support import ADMIN
from tests.schools.support import csv_bytes, import_city, upload


def names(client: TestClient, **params: str) -> list[str]:
    response = client.get("/api/schools", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return [i["name"] for i in items]


def test_two_characters_aliases_initials_and_code_find_a_school(portal_client: TestClient) -> None:
    import_city(portal_client)
    assert names(portal_client, q="第六") == ["第六中学"]
    assert names(portal_client, q="六中") == ["第六中学"]  # the name's characters, and an alias
    assert names(portal_client, q="市六中") == ["第六中学"]  # an alias only
    assert names(portal_client, q="dlzx") == ["第六中学"]
    assert names(portal_client, q="DLZX") == ["第六中学"]
    assert names(portal_client, q="3141000001") == ["第六中学"]
    assert names(portal_client, q="314100") == ["第六中学"]
    assert names(portal_client, q="特教") == ["特殊教育学校"]
    assert set(names(portal_client, q="中学")) == {"第六中学", "第一高级中学", "育才中学"}
    assert names(portal_client, q="没有这所学校") == []


def test_full_width_input_and_spaces_are_understood(portal_client: TestClient) -> None:
    import_city(portal_client)
    assert names(portal_client, q="ｄｌｚｘ") == ["第六中学"]
    assert names(portal_client, q="３１４１０００００１") == ["第六中学"]
    assert names(portal_client, q=" 第 六 ") == ["第六中学"]


def test_the_answer_is_public_and_holds_only_current_schools(portal_client: TestClient) -> None:
    found = import_city(portal_client)
    item = portal_client.get("/api/schools", params={"q": "dlzx"}).json()["items"][0]
    assert set(item) == {"id", "code", "name", "district", "stage"}
    closed = portal_client.post(f"/api/admin/schools/{found['实验小学']['id']}/close",
                                headers=ADMIN)
    assert closed.status_code == 200 and closed.json()["active"] is False
    assert names(portal_client, q="实验") == []
    portal_client.post(f"/api/admin/schools/{found['实验小学']['id']}/reopen", headers=ADMIN)
    assert names(portal_client, q="实验") == ["实验小学"]


def test_district_filters_and_lists_and_at_most_twenty_answer(portal_client: TestClient) -> None:
    import_city(portal_client)
    assert set(names(portal_client, q="中学", district="西城区")) == {"第一高级中学", "育才中学"}
    assert set(names(portal_client, district="东城区")) == {"第六中学", "实验小学"}
    assert names(portal_client) == []
    many = [("", f"光明第{n}小学", "南区", "小学", "") for n in range(30)]
    upload(portal_client, csv_bytes(many))
    assert len(names(portal_client, q="光明")) == 20
    assert len(names(portal_client, q="gm")) == 20


def test_initials_count_every_reading_of_a_character() -> None:
    assert initials_match("cq", "重庆路小学") == 0  # 重 reads chong here
    assert initials_match("zq", "重庆路小学") == 0  # and zhong elsewhere: both are typed
    assert initials_match("lzx", "第六中学") == 1
    assert initials_match("xx", "第六中学") is None
