"""The statistics domain: the programme's figures, the dashboard 统计, the yearly report."""

from __future__ import annotations

from pathlib import Path

from forms_api.admin.registry import Card
from forms_api.domain import Domain
from forms_api.stats import api, console, openapi

DOMAIN = Domain(
    name="stats",
    templates=Path(__file__).parent / "templates",
    api=api.routes(),
    console=console.routes(),
    menu=(("/admin/stats/", "统计"),),
    tiles=(Card("stats/tile.html", console.tile),),
    export_cards=(Card("stats/export_card.html"),),
    audit_actions={"stats.targets": "修改统计目标"},
    openapi=openapi.PART,
)
