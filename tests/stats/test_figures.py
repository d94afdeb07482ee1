"""The figures computed on a known city (tests/stats/known.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from forms_api.errors import ApiError
from forms_api.forms.validation import validate
from forms_api.stats import period, targets
from forms_api.stats.figures import compute, figures_for
from forms_api.stats.forms import Targets
from forms_api.stats.sources import Schools, snapshot
from forms_api.storage import Database
from tests.stats import known


@pytest.fixture
def db() -> Database:
    found = Database.memory()
    known.seed(found)
    return found


@pytest.fixture
def figures(db: Database) -> dict[str, Any]:
    return figures_for(db, period.school_year(2025), known.MODULE_HOURS)


def test_coverage_counts_each_school_once_follows_merges_and_skips_closed(
        figures: dict[str, Any]) -> None:
    schools = figures["schools"]
    # 第六中学, 实验小学, 育才初级中学 (kept after the merge), 特教学校; not the closed 红旗小学.
    assert schools["total"] == 4
    # 第六中学 under two names, 育才初级中学 through the merged 育才中学.
    assert schools["covered"] == 2
    assert schools["coverage"] == 0.5
    assert [s["name"] for s in schools["uncovered"]] == ["实验小学", "特教学校"]
    assert schools["uncovered"][0] == {"id": "S-B", "name": "实验小学", "district": "东城区"}
    assert (schools["closed"], schools["merged"]) == (1, 1)


def test_teachers_and_hours(figures: dict[str, Any]) -> None:
    # Phones 1, 2, 3, 4 and the unlinked 6; phone 1 twice; phone 5 checked in before the period.
    assert figures["teachers_trained"] == 5
    assert figures["checkins"] == 6
    assert figures["unlinked_checkins"] == 1
    assert figures["training_hours"] == 2 + 1.5 + 1.5 + 2 + 2 + 2
    assert figures["hours_per_teacher"] == 2.2


def test_by_district(figures: dict[str, Any]) -> None:
    rows = {r["district"]: r for r in figures["by_district"]}
    assert list(rows) == ["东城区", "西城区"]
    assert {k: rows["东城区"][k] for k in ("schools", "covered", "teachers", "visits_completed")} \
        == {"schools": 2, "covered": 1, "teachers": 2, "visits_completed": 1}
    # The closed school's teacher and the merged school's visit count in 西城区.
    assert {k: rows["西城区"][k] for k in ("schools", "covered", "teachers", "visits_completed")} \
        == {"schools": 2, "covered": 1, "teachers": 2, "visits_completed": 1}
    assert rows["西城区"]["visits"] == {"requested": 0, "confirmed": 1, "completed": 1,
                                        "cancelled": 0, "declined": 1, "total": 3}


def test_by_stage(figures: dict[str, Any]) -> None:
    assert [(r["label"], r["schools"], r["covered"]) for r in figures["by_stage"]] == [
        ("小学", 1, 0), ("初中", 2, 2), ("特殊教育学校", 1, 0)]


def test_visits_by_status_in_the_period(figures: dict[str, Any]) -> None:
    # The cancelled request of 2025-08-01 has no visit date and lies before the period.
    assert figures["visits"] == {"requested": 1, "confirmed": 1, "completed": 2, "cancelled": 0,
                                 "declined": 1, "total": 5}
    assert figures["schools_visited"] == 2
    assert [s["name"] for s in figures["never_visited"]] == ["实验小学", "特教学校"]


def test_experts(figures: dict[str, Any]) -> None:
    experts = figures["experts"]
    assert (experts["approved"], experts["with_visits"], experts["visits"]) == (3, 2, 2)
    assert [(e["name"], e["completed"], e["confirmed"]) for e in experts["per_expert"]] == [
        ("张明", 1, 1), ("李华", 1, 0), ("王强", 0, 0)]
    assert all("phone" not in e for e in experts["per_expert"])


def test_trend_has_every_month(figures: dict[str, Any]) -> None:
    trend = {m["month"]: m for m in figures["trend"]}
    assert list(trend)[0] == "2025-09" and list(trend)[-1] == "2026-08" and len(trend) == 12
    assert trend["2025-09"] == {"month": "2025-09", "checkins": 4, "teachers": 4, "visits": 0}
    assert trend["2025-11"] == {"month": "2025-11", "checkins": 2, "teachers": 2, "visits": 0}
    assert trend["2025-10"]["visits"] == 1 and trend["2026-04"]["visits"] == 1
    assert sum(m["checkins"] for m in trend.values()) == figures["checkins"]


def test_each_block_says_when_its_data_last_changed(figures: dict[str, Any]) -> None:
    updated = figures["updated"]
    assert updated["schools"] == "2025-11-08T08:45:00+08:00"  # the period's last check-in
    assert updated["training"] == "2025-11-08T08:45:00+08:00"
    assert updated["visits"] == "2026-03-01T10:00:00+08:00"
    assert updated["experts"] == "2026-03-01T10:00:00+08:00"


def test_targets_beside_the_figures(db: Database, figures: dict[str, Any]) -> None:
    assert figures["targets"]["coverage"] == {"label": "培训覆盖学校比例", "unit": "%",
                                              "target": 95.0, "actual": 50.0, "met": False}
    form = validate(Targets, {"coverage": "50", "teachers": "5", "visit_coverage": ""}, json=False)
    targets.save(db, form, "bootstrap")
    again = figures_for(db, period.school_year(2025), known.MODULE_HOURS)["targets"]
    assert again["coverage"]["met"] is True and again["teachers"]["met"] is True
    assert again["visit_coverage"] == {"label": "专家进校覆盖学校比例", "unit": "%",
                                       "target": None, "actual": 50.0, "met": None}


def test_targets_refuse_bad_values_each_named(db: Database) -> None:
    with pytest.raises(ApiError) as caught:
        validate(Targets, {"coverage": "120", "teachers": "2.5", "hours_per_teacher": "abc",
                           "visit_coverage": "0"}, json=False)
    fields = caught.value.fields or {}
    assert set(fields) == {"coverage", "teachers", "hours_per_teacher", "visit_coverage"}
    assert "培训覆盖学校比例" in fields["coverage"] and "参训教师人数" in fields["teachers"]
    assert targets.load(db)["coverage"] == 95.0  # nothing saved


def test_another_period_moves_the_figures(db: Database) -> None:
    summer = figures_for(db, period.Period(dt.date(2025, 8, 1), dt.date(2025, 8, 31)),
                         known.MODULE_HOURS)
    assert summer["schools"]["covered"] == 1  # 实验小学's check-in of 2025-08-31
    assert summer["visits"]["cancelled"] == 1 and summer["visits"]["total"] == 1
    assert summer["teachers_trained"] == 1 and summer["training_hours"] == 2.0


def test_a_merge_loop_does_not_hang(db: Database) -> None:
    rows = [{"id": "L-1", "name": "甲", "merged_into": "L-2"},
            {"id": "L-2", "name": "乙", "merged_into": "L-1"}]
    assert Schools(rows).kept("L-1") is None
    assert compute(snapshot(db), period.school_year(2025), {}, {})["training_hours"] == 0
