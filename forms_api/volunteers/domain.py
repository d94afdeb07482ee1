"""The volunteers domain: expert volunteers' applications, their review, the public experts."""

from __future__ import annotations

from pathlib import Path

from forms_api.admin.privacy import PersonalData
from forms_api.admin.registry import Card
from forms_api.domain import Domain
from forms_api.volunteers import api, console, exports, openapi, pages
from forms_api.volunteers.forms import VOLUNTEER_FORM
from forms_api.volunteers.records import VOLUNTEERS
from forms_api.web.context import SchoolLink

APPLICATIONS = PersonalData(
    VOLUNTEERS, "专家志愿者报名", "volunteers/privacy_row.html",
    "未通过审核的志愿者报名，自最后一次变更起",
    retention_days=lambda s: s.retention_volunteers_days,
    purgeable=lambda r: r.get("status") != "approved",
    rows=exports.application_rows,
    changed_at=lambda r: r.get("updated_at") or r.get("created_at"))

DOMAIN = Domain(
    name="volunteers",
    templates=Path(__file__).parent / "templates",
    forms=(VOLUNTEER_FORM,),
    slots=pages.SLOTS,
    api=api.routes(),
    pages=pages.routes(),
    console=console.routes(),
    menu=(("/admin/volunteers/", "志愿者审核"),),
    tiles=(Card("volunteers/tile.html", console.counts),),
    exports=exports.EXPORTS,
    export_cards=(Card("volunteers/export_card.html", console.for_exports),),
    personal=(APPLICATIONS,),
    audit_actions={"volunteer.review": "审核志愿者", "volunteer.request_info": "请志愿者补充材料"},
    openapi=openapi.PART,
    school_links=(SchoolLink(VOLUNTEERS, "organization", "志愿者工作单位"),),
)
