"""The bureau's targets (table `stats_targets`), shown beside the figures they measure.

Record (id `targets`): {coverage, visit_coverage (percent of counted schools, 0–100),
teachers (people), hours_per_teacher (学时), each a number or null = no target; updated_at,
updated_by}. Until the bureau saves its own, coverage has 95%, after the 2023–2025 action
plan's share of schools with a mental-health teacher.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.stats.forms import Targets
from forms_api.storage import Database

TARGETS = "stats_targets"
TARGETS_ID = "targets"


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    unit: str


DEFINED = (
    Target("coverage", "培训覆盖学校比例", "%"),
    Target("visit_coverage", "专家进校覆盖学校比例", "%"),
    Target("teachers", "参训教师人数", "人"),
    Target("hours_per_teacher", "人均培训学时", "学时"),
)
DEFAULTS: dict[str, float | None] = {"coverage": 95.0, "visit_coverage": None, "teachers": None,
                                     "hours_per_teacher": None}


def load(db: Database) -> dict[str, float | None]:
    """The targets in force: the bureau's, else the defaults."""
    row = db.table(TARGETS).get_id(TARGETS_ID)
    if row is None:
        return dict(DEFAULTS)
    return {t.key: row.get(t.key) for t in DEFINED}


def save(db: Database, form: Targets, actor: str) -> dict[str, float | None]:
    """Store the validated targets with an audit entry."""
    values: dict[str, float | None] = {
        t.key: None if (v := getattr(form, t.key)) is None else float(v)
        for t in DEFINED}
    table = db.table(TARGETS)
    with db.transaction():
        row = {"id": TARGETS_ID, **values, "updated_at": clock.iso(clock.now()),
               "updated_by": actor}
        if table.update_id(TARGETS_ID, row) is None:
            table.insert(row)
        audit.record(db, actor, "stats.targets", TARGETS,
                     set=sum(1 for v in values.values() if v is not None))
    return values


def progress(targets: dict[str, float | None], actual: dict[str, float | None]
             ) -> dict[str, dict[str, Any]]:
    """Each target beside the figure it measures: {target, actual, met} (met: None unset)."""
    out: dict[str, dict[str, Any]] = {}
    for t in DEFINED:
        goal, value = targets.get(t.key), actual.get(t.key)
        met = None if goal is None or value is None else value >= goal
        out[t.key] = {"label": t.label, "unit": t.unit, "target": goal, "actual": value,
                      "met": met}
    return out
