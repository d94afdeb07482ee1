"""The yearly report's downloads and printouts, each written to the audit log."""

from __future__ import annotations

from typing import Any

from forms_api.admin import audit
from forms_api.stats.figures import figures_for
from forms_api.stats.period import Period
from forms_api.stats.report import workbook
from forms_api.web.context import Portal

#: The audit target of every statistics export.
TARGET = "stats"


def audited_figures(p: Portal, period: Period, actor: str, form: str) -> dict[str, Any]:
    """The period's figures, with an audit entry saying who took them out and how."""
    figures = figures_for(p.db, period, p.module_hours)
    with p.db.transaction():
        audit.record(p.db, actor, "export", TARGET, format=form, **{
            "from": figures["from"], "to": figures["to"]})
    return figures


def report_xlsx(p: Portal, period: Period, actor: str) -> bytes:
    return workbook(audited_figures(p, period, actor, "xlsx"), p.settings.bureau_name)


def report_name(period: Period) -> str:
    """An ASCII file name saying the period (Content-Disposition carries no Chinese well)."""
    year = period.school_year
    span = f"{year}-{year + 1}" if year is not None else f"{period.first:%Y%m%d}-{period.last:%Y%m%d}"
    return f"xinyu-stats-{span}"
