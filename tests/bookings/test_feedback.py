"""Feedback after a visit: the contact's link, the anonymous link, suppression below 5 and 10."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import parse_qs, urlsplit

from openpyxl import load_workbook
from starlette.testclient import TestClient

from forms_api import clock
from forms_api.bookings import feedback
from tests.forms_support import ADMIN
from tests.me.support import booking, confirm, expert, notices

ANSWER = {"overall": "5", "useful": "4", "fit": "4", "comment": "很实用"}


def _completed(client: TestClient) -> tuple[dict[str, Any], str]:
    expert_id = expert(client)
    made = booking(client)
    confirm(client, made["id"], expert_id, clock.today().isoformat())
    done = client.patch(f"/api/admin/bookings/{made['id']}", headers=ADMIN,
                        json={"status": "completed"})
    assert done.status_code == 200, done.text
    return made, expert_id


def _link_of(client: TestClient) -> str:
    sent = notices(client, "booking.feedback")
    assert len(sent) == 1
    link: str = sent[0]["link"]
    assert sent[0]["to"]["role"] == "school"
    return link


def _anonymous(client: TestClient, contact_link: str) -> str:
    page = client.get(contact_link).text
    start = page.index("/feedback/?b=", page.index("匿名链接"))
    return page[start:page.index("<", start)].replace("&amp;", "&")


def _answer(client: TestClient, link: str, **fields: str) -> Any:
    query = parse_qs(urlsplit(link).query)
    return client.post("/feedback/", data={"b": query["b"][0], "t": query["t"][0],
                                           **ANSWER, **fields})


def _results(client: TestClient, made: dict[str, Any], expert_id: str) -> tuple[Any, Any]:
    by_booking = client.get(f"/api/admin/bookings/{made['id']}/feedback", headers=ADMIN)
    by_expert = client.get(f"/api/admin/volunteers/{expert_id}/feedback", headers=ADMIN)
    assert by_booking.status_code == 200 and by_expert.status_code == 200
    return by_booking.json(), by_expert.json()


def test_completion_asks_the_contact_once(portal_client: TestClient) -> None:
    made, expert_id = _completed(portal_client)
    link = _link_of(portal_client)
    assert link.startswith(f"/feedback/?b={made['id']}&t=")
    form = portal_client.get(link)
    assert form.status_code == 200 and 'name="overall"' in form.text
    assert _answer(portal_client, link).status_code == 200
    portal_client.cookies.clear()
    again = _answer(portal_client, link)
    assert again.status_code == 409 and "已经提交过" in again.text


def test_a_bad_link_opens_nothing(portal_client: TestClient) -> None:
    made, _ = _completed(portal_client)
    bad = portal_client.get(f"/feedback/?b={made['id']}&t={'0' * 32}")
    assert bad.status_code == 404 and "反馈链接无效" in bad.text


def test_one_answer_per_browser_on_the_anonymous_link(portal_client: TestClient) -> None:
    made, _ = _completed(portal_client)
    anonymous = _anonymous(portal_client, _link_of(portal_client))
    assert _answer(portal_client, anonymous).status_code == 200
    assert "谢谢您的反馈" in portal_client.get(anonymous).text  # the cookie remembers
    assert 'name="overall"' not in portal_client.get(anonymous).text
    invalid = _answer(TestClient(portal_client.app), anonymous, overall="9")
    assert invalid.status_code == 422 and "总体满意度" in invalid.text


def test_results_are_suppressed_below_five_and_comments_below_ten(portal_client: TestClient
                                                                   ) -> None:
    made, expert_id = _completed(portal_client)
    contact = _link_of(portal_client)
    anonymous = _anonymous(portal_client, contact)
    assert _answer(portal_client, contact, comment="联系人的意见").status_code == 200
    for n in range(3):
        portal_client.cookies.clear()
        assert _answer(portal_client, anonymous, comment=f"意见{n}").status_code == 200
    booking_view, expert_view = _results(portal_client, made, expert_id)
    for view in (booking_view, expert_view):
        assert view == {"answers": 4, "results": None, "comments": None}
    portal_client.cookies.clear()
    _answer(portal_client, anonymous, overall="3")
    booking_view, expert_view = _results(portal_client, made, expert_id)
    assert booking_view["answers"] == 5
    assert booking_view["results"]["overall"]["average"] == 4.6
    assert booking_view["comments"] is None
    assert expert_view["results"] is not None
    for _ in range(4):
        portal_client.cookies.clear()
        _answer(portal_client, anonymous)
    assert _results(portal_client, made, expert_id)[0]["comments"] is None  # 9 answers
    portal_client.cookies.clear()
    _answer(portal_client, anonymous, comment="第十份")
    comments = _results(portal_client, made, expert_id)[0]["comments"]
    assert comments is not None and "第十份" in comments and "联系人的意见" in comments


def test_the_count_shows_as_fewer_than_five() -> None:
    assert feedback.shown_count(4) == "少于 5 份"
    assert feedback.shown_count(5) == "5 份"


def test_the_results_need_an_admin(portal_client: TestClient) -> None:
    made, expert_id = _completed(portal_client)
    assert portal_client.get(f"/api/admin/bookings/{made['id']}/feedback").status_code == 401
    assert portal_client.get("/api/admin/bookings/nope/feedback",
                             headers=ADMIN).status_code == 404


def _exported(client: TestClient, kind: str = "csv") -> list[list[str]]:
    got = client.get(f"/api/admin/export/feedback.{kind}", headers=ADMIN)
    assert got.status_code == 200, got.text
    if kind == "xlsx":
        sheet = load_workbook(io.BytesIO(got.content)).active
        assert sheet is not None
        return [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    return list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))


def test_the_export_suppresses_below_five_and_comments_below_ten(portal_client: TestClient
                                                                  ) -> None:
    made, expert_id = _completed(portal_client)
    contact = _link_of(portal_client)
    anonymous = _anonymous(portal_client, contact)
    assert _answer(portal_client, contact, overall="1", comment="联系人的意见").status_code == 200
    for n in range(3):
        portal_client.cookies.clear()
        assert _answer(portal_client, anonymous, comment=f"教师意见{n}").status_code == 200
    for kind in ("csv", "xlsx"):
        header, *rows = _exported(portal_client, kind)
        assert header[:6] == ["范围", "预约编号", "学校", "活动日期", "专家", "反馈份数"]
        assert [r[0] for r in rows] == ["单次活动", "专家（全部活动）"]
        for row in rows:
            assert row[5] == "少于 5 份" and row[6:9] == ["", "", ""], row
            assert row[9] == "少于 10 份时不显示"
        text = "".join("".join(r) for r in rows)
        assert "意见" not in text.replace("少于 10 份时不显示", "")  # no comment leaks
    portal_client.cookies.clear()
    _answer(portal_client, anonymous, comment="第五份")
    visit = _exported(portal_client)[1]
    assert visit[1] == made["reference"] and visit[5] == "5 份"
    assert visit[6] == str(round((1 + 5 * 4) / 5, 2))  # overall: 1 and four 5s
    assert visit[9] == "少于 10 份时不显示" and "第五份" not in "".join(visit)
    for _ in range(5):
        portal_client.cookies.clear()
        _answer(portal_client, anonymous, comment="第十份")
    visit, by_expert = _exported(portal_client)[1:]
    assert visit[5] == "10 份" and "联系人的意见" in visit[9] and "第十份" in visit[9]
    assert by_expert[5] == "10 份" and by_expert[4] and expert_id not in "".join(by_expert)
