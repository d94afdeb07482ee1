"""The rota domain: the hotline's duty rota, staffed by volunteer teachers in shifts."""

from __future__ import annotations

from pathlib import Path

from forms_api.domain import Domain
from forms_api.rota import api, console, exports, openapi, pages, reminders

DOMAIN = Domain(
    name="rota",
    templates=Path(__file__).parent / "templates",
    slots=pages.SLOTS,
    api=api.routes(),
    pages=pages.routes(),
    console=console.routes(),
    menu=(("/admin/rota/", "热线值班"),),
    exports=exports.EXPORTS,
    audit_actions={
        "hotline.create": "新建热线", "shift.generate": "生成值班班次", "shift.add": "新增班次",
        "shift.change": "修改班次", "shift.cancel": "取消班次", "shift.assign": "安排值班",
        "shift.remove": "移出值班", "shift.no_show": "记录值班缺勤", "rota.lift": "恢复值班认领",
        "shift.swap": "审批换班", "shift.correct": "更正值班时间",
        "rota.feed_mint": "生成值班日历地址", "rota.feed_revoke": "停用值班日历地址"},
    openapi=openapi.PART,
    jobs=(reminders.job,),
)
