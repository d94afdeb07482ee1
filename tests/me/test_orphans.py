"""No orphans: deleting an expert with visits ahead warns first, then flags them for reassignment."""

from __future__ import annotations

from starlette.testclient import TestClient

from forms_api.bookings.forms import eligible_dates
from tests.admin_support import post_form
from tests.forms_support import HTML
from tests.me.support import booking, confirm, expert

SCHOOL_PHONE = "0391-1234567"  # booking_body's contact number


def test_deleting_an_expert_with_visits_ahead_warns_then_flags_them(
        console: tuple[TestClient, str]) -> None:
    client, csrf = console
    gone_phone = "13755501234"
    gone = expert(client, name="林静", phone=gone_phone)
    stays = expert(client, name="高远")
    days = eligible_dates()
    orphan = booking(client, school="市第四中学")
    kept = booking(client, school="市第五中学")
    confirm(client, orphan["id"], gone, days[2].isoformat(), "afternoon")
    confirm(client, kept["id"], stays, days[3].isoformat())
    before = client.get("/admin/").text
    assert "没有需要重新安排专家的活动" in before

    looked = post_form(client, "/admin/privacy/", csrf, action="lookup", phone=gone_phone)
    assert looked.status_code == 200
    assert "这位专家还有 1 个尚未进行的进校活动" in looked.text
    assert f"市第四中学（{orphan['reference']}）" in looked.text
    assert "市第五中学" not in looked.text
    done = post_form(client, "/admin/privacy/", csrf, action="delete", phone=gone_phone,
                     confirm="on")
    assert done.status_code == 200 and "已删除" in done.text

    overview = client.get("/admin/").text
    card = overview[overview.index("待重新安排专家"):]
    card = card[:card.index("</section>")]
    assert f'href="/admin/bookings/{orphan["id"]}/"' in card and orphan["reference"] in card
    assert kept["reference"] not in card and "林静" not in card

    status = client.get(f"/api/bookings/{orphan['reference']}?phone={SCHOOL_PHONE}").json()
    assert status["status"] == "confirmed" and status["expert"] is None
    assert status["reassigning"] is True
    page = client.post("/booking/status/", headers=HTML,
                       data={"reference": orphan["reference"], "phone": SCHOOL_PHONE}).text
    assert "原定专家无法前往，教育局将另行安排专家，并再通知您" in page and "林静" not in page
    other = client.get(f"/api/bookings/{kept['reference']}?phone={SCHOOL_PHONE}").json()
    assert other["reassigning"] is False and other["expert"]["name"] == "高远"

    # Reassigning to another expert clears the flag.
    confirm(client, orphan["id"], stays, days[2].isoformat(), "afternoon")
    assert "没有需要重新安排专家的活动" in client.get("/admin/").text
    assert client.get(f"/api/bookings/{orphan['reference']}?phone={SCHOOL_PHONE}"
                      ).json()["reassigning"] is False
