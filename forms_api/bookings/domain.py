"""The bookings domain: schools' requests for expert visits, their handling, rules, calendar."""

from __future__ import annotations

from pathlib import Path

from forms_api.admin.privacy import PersonalData
from forms_api.admin.registry import Card
from forms_api.bookings import api, console, exports, feedback_web, offers_web, openapi, pages, reminders
from forms_api.bookings.forms import BOOKING_FORM, LOOKUP_FORM
from forms_api.bookings.records import BOOKINGS, FINISHED
from forms_api.domain import Domain
from forms_api.web.context import SchoolLink

REQUESTS = PersonalData(
    BOOKINGS, "进校预约", "bookings/privacy_row.html",
    "已完成、已取消或未能安排的预约，自最后一次变更起",
    retention_days=lambda s: s.retention_bookings_days,
    purgeable=lambda r: r.get("status") in FINISHED,
    rows=exports.request_rows,
    changed_at=lambda r: r.get("updated_at") or r.get("created_at"))

DOMAIN = Domain(
    name="bookings",
    templates=Path(__file__).parent / "templates",
    forms=(BOOKING_FORM, LOOKUP_FORM),
    slots={**pages.SLOTS, **feedback_web.SLOTS},
    api=(*api.routes(), *feedback_web.api_routes(), *offers_web.api_routes()),
    pages=(*pages.routes(), *feedback_web.page_routes()),
    console=(*console.routes(), *offers_web.console_routes()),
    menu=(("/admin/experts/", "专家"), ("/admin/bookings/", "进校预约"), ("/admin/visits/", "日程"),
          ("/admin/limits/", "预约限制")),
    tiles=(Card("bookings/tile.html", console.counts),),
    overview=(Card("bookings/card.html", console.upcoming),),
    exports=exports.EXPORTS,
    export_cards=(Card("bookings/export_card.html", console.for_exports),),
    personal=(REQUESTS,),
    audit_actions={"booking.change": "处理预约", "limits.update": "修改预约限制",
                   "booking.offer": "邀请专家", "booking.offer_declined": "专家婉拒邀请",
                   "booking.cancel": "学校取消预约"},
    openapi=openapi.PART,
    jobs=(reminders.remind,),
    school_links=(SchoolLink(BOOKINGS, "school", "进校预约"),),
)
