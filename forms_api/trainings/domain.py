"""The trainings domain: sessions, check-in at the venue, 继续教育学时."""

from __future__ import annotations

from pathlib import Path

from forms_api.admin.privacy import PersonalData
from forms_api.admin.registry import Card
from forms_api.domain import Domain
from forms_api.trainings import api, console, exports, openapi, pages, venue
from forms_api.trainings.forms import ATTENDANCE_FORM, REGISTRATION_FORM, SIGNOUT_FORM
from forms_api.trainings.records import ATTENDANCE, REGISTRATIONS
from forms_api.web.context import SchoolLink

CHECK_INS = PersonalData(
    ATTENDANCE, "培训签到", "trainings/privacy_row.html", "培训签到记录，自签到起",
    retention_days=lambda s: s.retention_attendance_days, purgeable=lambda r: True,
    rows=exports.check_in_rows,
    changed_at=lambda r: r.get("checked_in_at"))
REGISTERED = PersonalData(
    REGISTRATIONS, "培训报名", "trainings/privacy_registration.html", "培训报名记录，自报名起",
    retention_days=lambda s: s.retention_attendance_days, purgeable=lambda r: True,
    changed_at=lambda r: r.get("created_at"))

DOMAIN = Domain(
    name="trainings",
    templates=Path(__file__).parent / "templates",
    forms=(ATTENDANCE_FORM, REGISTRATION_FORM, SIGNOUT_FORM),
    slots=pages.SLOTS,
    api=api.routes(),
    pages=pages.routes(),
    console=console.routes() + venue.routes(),
    menu=(("/admin/trainings/", "培训"), ("/admin/hours/", "学时")),
    tiles=(Card("trainings/tile.html"),),
    overview=(Card("trainings/card.html", console.upcoming),),
    exports=exports.EXPORTS,
    export_cards=(Card("trainings/export_card.html", console.for_exports),),
    personal=(CHECK_INS, REGISTERED),
    audit_actions={"training.create": "新建培训场次", "training.update": "修改培训场次",
                   "training.cancel": "取消培训场次", "training.paper_entry": "补录纸质签到",
                   "training.attendance_remove": "删除签到记录",
                   "training.attendance_correct": "更正学时认定"},
    openapi=openapi.PART,
    school_links=(SchoolLink(ATTENDANCE, "school", "培训签到"),
                  SchoolLink(REGISTRATIONS, "school", "培训报名")),
)
