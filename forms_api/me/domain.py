"""The me domain: a person's own page, the service record, the teacher's record (`/me/`)."""

from __future__ import annotations

from pathlib import Path

from forms_api.admin.registry import Card
from forms_api.domain import Domain
from forms_api.me import actions, api, console, openapi, pages, prints
from forms_api.me.forms import LOOKUP_FORM

DOMAIN = Domain(
    name="me",
    templates=Path(__file__).parent / "templates",
    forms=(LOOKUP_FORM,),
    slots={**pages.SLOTS, "lookup": ""},
    api=api.routes(),
    pages=(*pages.routes(), *actions.routes(), *prints.routes()),
    console=console.routes(),
    overview=(Card("me/orphans_card.html", console.orphans),),
    audit_actions={"volunteer.link": "发送专家专属链接", "volunteer.revoke": "停用专家专属链接",
                   "volunteer.resubmit": "志愿者补充材料", "volunteer.profile": "志愿者修改资料",
                   "volunteer.withdraw": "志愿者退出", "booking.report": "专家填写活动报告"},
    privacy_checks=(console.before_deletion,),
    openapi=openapi.PART,
)
