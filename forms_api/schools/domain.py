"""The schools domain: the registry (学校名录), its import, search, mapping and merges."""

from __future__ import annotations

from pathlib import Path

from forms_api.domain import Domain
from forms_api.schools import api, console, openapi

DOMAIN = Domain(
    name="schools",
    templates=Path(__file__).parent / "templates",
    api=api.routes(),
    console=console.routes(),
    menu=(("/admin/schools/", "学校名录"),),
    audit_actions={"school.create": "新增学校", "school.update": "修改学校",
                   "school.close": "停用学校", "school.reopen": "恢复学校",
                   "school.merge": "合并学校", "school.import": "导入学校名录",
                   "school.map": "对应学校名称", "school.link": "按名称关联学校"},
    openapi=openapi.PART,
)
