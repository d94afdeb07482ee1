"""The notices domain: the outbox, its sender job, and the console's 通知 page."""

from __future__ import annotations

from pathlib import Path

from forms_api.admin.privacy import PersonalData
from forms_api.admin.registry import Card
from forms_api.domain import Domain
from forms_api.notices import api, console, openapi, sender
from forms_api.notices.outbox import OUTBOX

#: Sent and handed notices go after their retention; waiting and failed ones stay for staff.
NOTICES = PersonalData(
    OUTBOX, "通知", "notices/privacy_row.html",
    "已发出或已人工通知的通知（含手机号或邮箱），自生成起",
    retention_days=lambda s: s.retention_notices_days,
    purgeable=lambda r: r.get("status") in ("sent", "handed"),
    changed_at=lambda r: r.get("created_at"))

DOMAIN = Domain(
    name="notices",
    templates=Path(__file__).parent / "templates",
    api=api.routes(),
    console=console.routes(),
    menu=(("/admin/outbox/", "通知"),),
    tiles=(Card("notices/tile.html", console.tile),),
    personal=(NOTICES,),
    audit_actions={"outbox.retry": "重新发送通知", "outbox.handed": "标记通知为已通知",
                   "outbox.link": "为转告生成个人链接"},
    openapi=openapi.PART,
    jobs=(sender.deliver,),
)
