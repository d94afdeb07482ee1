"""The bureau's targets (table `stats_targets`), shown beside the figures they measure.

Record (id `targets`): {coverage, visit_coverage (percent of counted schools, 0–100),
teachers (people), hours_per_teacher (学时), each a number or null = no target; updated_at,
updated_by}. Until the bureau saves its own, coverage has the 2023–2025 action plan's 95%.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.errors import ApiError
from forms_api.forms.fields import half_width
from forms_api.storage import Database

TARGETS = "stats_targets"
TARGETS_ID = "targets"


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    unit: str
    maximum: float
    whole: bool = False  # a count of people: no fractions


DEFINED = (
    Target("coverage", "培训覆盖学校比例", "%", 100),
    Target("visit_coverage", "专家进校覆盖学校比例", "%", 100),
    Target("teachers", "参训教师人数", "人", 1_000_000, whole=True),
    Target("hours_per_teacher", "人均培训学时", "学时", 1000),
)
DEFAULTS: dict[str, float | None] = {"coverage": 95.0, "visit_coverage": None, "teachers": None,
                                     "hours_per_teacher": None}


def load(db: Database) -> dict[str, float | None]:
    """The targets in force: the bureau's, else the defaults."""
    row = db.table(TARGETS).get_id(TARGETS_ID)
    if row is None:
        return dict(DEFAULTS)
    return {t.key: row.get(t.key) for t in DEFINED}


def _number(target: Target, value: Any, errors: dict[str, str]) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = half_width(value).strip().rstrip("%％") if isinstance(value, str) else value
    try:
        number = float(text)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        errors[target.key] = f"{target.label}应为数字；留空表示不设目标"
        return None
    if target.whole and number != int(number):
        errors[target.key] = f"{target.label}应为整数"
        return None
    if not 0 < number <= target.maximum:
        errors[target.key] = f"{target.label}应大于 0、不超过 {target.maximum:g}{target.unit}"
        return None
    return float(int(number)) if target.whole else round(number, 1)


def save(db: Database, data: dict[str, Any], actor: str) -> dict[str, float | None]:
    """Validate every target (all errors at once) and store them with an audit entry."""
    errors: dict[str, str] = {}
    values = {t.key: _number(t, data.get(t.key), errors) for t in DEFINED}
    if errors:
        raise ApiError(422, message="；".join(errors.values()), fields=errors)
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
