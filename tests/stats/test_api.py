"""`GET /api/admin/stats`: the contract's shape, the default school year, refusals; the report."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

from tests.conftest import assert_error
from tests.forms_support import ADMIN
from tests.stats import known

# Every key the contract names ("Statistics (统计)" in shared/spec/api.md).
CONTRACT_TOP = {"from", "to", "schools", "teachers_trained", "training_hours", "by_district",
                "visits", "experts"}
CONTRACT_SCHOOLS = {"total", "covered", "uncovered"}
CONTRACT_SCHOOL = {"id", "name", "district"}
CONTRACT_DISTRICT = {"district", "schools", "covered", "teachers", "visits_completed"}
CONTRACT_VISITS = {"requested", "confirmed", "completed", "declined", "cancelled"}
CONTRACT_EXPERTS = {"approved", "with_visits"}


@pytest.fixture
def seeded(portal_client: TestClient) -> TestClient:
    known.seed(portal_client.app.state.portal.db)  # type: ignore[attr-defined]
    return portal_client


def stats(client: TestClient, **query: str) -> Any:
    return client.get("/api/admin/stats", params=query, headers=ADMIN)


def test_answer_has_every_key_of_the_contract(seeded: TestClient) -> None:
    response = stats(seeded, **{"from": known.FROM, "to": known.TO})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) >= CONTRACT_TOP
    assert set(body["schools"]) >= CONTRACT_SCHOOLS
    assert body["schools"]["uncovered"] and all(
        set(s) >= CONTRACT_SCHOOL for s in body["schools"]["uncovered"])
    assert body["by_district"] and all(set(r) >= CONTRACT_DISTRICT for r in body["by_district"])
    assert set(body["visits"]) >= CONTRACT_VISITS
    assert set(body["experts"]) >= CONTRACT_EXPERTS
    assert (body["from"], body["to"]) == (known.FROM, known.TO)
    assert isinstance(body["teachers_trained"], int) and isinstance(body["training_hours"], float)
    assert (body["schools"]["total"], body["schools"]["covered"]) == (4, 2)
    assert body["teachers_trained"] == 5 and body["training_hours"] == 11.0
    assert body["visits"]["completed"] == 2 and body["experts"]["with_visits"] == 2


def test_no_phone_number_in_the_answer(seeded: TestClient) -> None:
    text = stats(seeded, year="2025").text
    assert "1380000" not in text and "1370000" not in text and "0391-" not in text


def _school_year(today: dt.date) -> tuple[str, str]:
    start = today.year if today.month >= 9 else today.year - 1
    return f"{start}-09-01", f"{start + 1}-08-31"


def test_defaults_to_the_current_school_year(seeded: TestClient) -> None:
    first, last = _school_year(dt.datetime.now(ZoneInfo("Asia/Shanghai")).date())
    body = stats(seeded).json()
    assert (body["from"], body["to"]) == (first, last)
    assert len(body["trend"]) == 12 and body["trend"][0]["month"] == first[:7]


def test_one_end_given_takes_the_other_from_its_school_year(seeded: TestClient) -> None:
    assert stats(seeded, **{"from": "2025-10-01"}).json()["to"] == "2026-08-31"
    assert stats(seeded, to="2026-03-31").json()["from"] == "2025-09-01"
    body = stats(seeded, year="2025").json()
    assert (body["from"], body["to"], body["school_year"]) == (known.FROM, known.TO, 2025)
    # Full-width digits, as a Chinese keyboard types them.
    assert stats(seeded, **{"from": "２０２５－０９－０１"}).json()["from"] == "2025-09-01"


@pytest.mark.parametrize("query,fields", [
    ({"from": "2025-13-01"}, {"from"}),
    ({"to": "yesterday"}, {"to"}),
    ({"from": "2025/09/01", "to": "2026-02-30"}, {"from", "to"}),
    ({"from": "2026-01-01", "to": "2025-12-31"}, {"to"}),
    ({"year": "二〇二五"}, {"year"}),
    ({"year": "2025", "from": "2025-09-01"}, {"year"}),
    ({"from": "1999-09-01"}, {"from"}),
])
def test_bad_periods_are_refused_naming_the_field(seeded: TestClient, query: dict[str, str],
                                                  fields: set[str]) -> None:
    error = assert_error(stats(seeded, **query), 422, "validation_error")
    assert set(error["fields"]) == fields
    assert all(not text.isascii() for text in error["fields"].values())


def test_needs_an_admin(seeded: TestClient) -> None:
    assert_error(seeded.get("/api/admin/stats"), 401, "unauthorized")
    assert_error(seeded.get("/api/admin/stats/report.xlsx"), 401, "unauthorized")


def test_targets_are_set_through_the_api_and_audited(seeded: TestClient) -> None:
    assert seeded.get("/api/admin/stats/targets", headers=ADMIN).json()["coverage"] == 95.0
    saved = seeded.put("/api/admin/stats/targets", json={"coverage": 50, "teachers": 5},
                       headers=ADMIN)
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"coverage": 50.0, "visit_coverage": None, "teachers": 5.0,
                            "hours_per_teacher": None}
    body = stats(seeded, year="2025").json()
    assert body["targets"]["coverage"]["met"] is True
    assert body["targets"]["teachers"] == {"label": "参训教师人数", "unit": "人", "target": 5.0,
                                           "actual": 5.0, "met": True}
    error = assert_error(seeded.put("/api/admin/stats/targets", json={"coverage": "95"},
                                    headers=ADMIN), 422, "validation_error")
    assert set(error["fields"]) == {"coverage"}  # JSON numbers are numbers
    error = assert_error(seeded.put("/api/admin/stats/targets", json={"coverage": 101, "x": 1},
                                    headers=ADMIN), 422, "validation_error")
    assert set(error["fields"]) == {"coverage", "x"}
    audit = seeded.get("/api/admin/audit", headers=ADMIN).json()["items"]
    assert [e["action"] for e in audit].count("stats.targets") == 1


def test_report_workbook_reads_back(seeded: TestClient) -> None:
    response = seeded.get("/api/admin/stats/report.xlsx", params={"year": "2025"},
                          headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "xinyu-stats-2025-2026.xlsx" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["概况", "按区县", "按学段", "尚未覆盖学校", "从未有专家进校的学校",
                               "进校活动", "专家进校", "月度趋势"]
    summary = {row[0]: row[1] for row in book["概况"].iter_rows(min_row=2, values_only=True)}
    assert summary["统计单位"] == "市教育局" and summary["统计期间"] == "2025–2026 学年"
    assert (summary["在册学校（所）"], summary["培训已覆盖学校（所）"]) == (4, 2)
    assert summary["培训覆盖率"] == 0.5 and summary["参训教师（人）"] == 5
    assert summary["进校活动·已完成"] == 2 and summary["目标·培训覆盖学校比例（%）"] == 95
    districts = list(book["按区县"].iter_rows(values_only=True))
    assert districts[0][:5] == ("区县", "在册学校", "已覆盖", "覆盖率", "参训教师")
    assert districts[1][:5] == ("东城区", 2, 1, 0.5, 2)
    assert book["按区县"]["D2"].number_format == "0.0%"
    uncovered = list(book["尚未覆盖学校"].iter_rows(min_row=2, values_only=True))
    assert uncovered == [("东城区", "实验小学"), ("西城区", "特教学校")]
    months = list(book["月度趋势"].iter_rows(min_row=2, values_only=True))
    assert len(months) == 12 and months[0] == ("2025-09", 4, 4, 0)
    # Native Excel charts: coverage by district, and the monthly trend.
    assert len(book["按区县"]._charts) == 1 and len(book["月度趋势"]._charts) == 1
    audit = seeded.get("/api/admin/audit", headers=ADMIN).json()["items"]
    export = next(e for e in audit if e["action"] == "export" and e["target"] == "stats")
    assert export["detail"] == {"format": "xlsx", "from": known.FROM, "to": known.TO}


def test_report_cells_are_never_formulas(portal_client: TestClient) -> None:
    db = portal_client.app.state.portal.db  # type: ignore[attr-defined]
    known.seed(db)
    with db.transaction():
        db.table("schools").update_id("S-B", {"name": "=HYPERLINK(\"x\")"})
    response = portal_client.get("/api/admin/stats/report.xlsx", params={"year": "2025"},
                                 headers=ADMIN)
    sheet = load_workbook(io.BytesIO(response.content))["尚未覆盖学校"]
    assert sheet["B2"].value == "'=HYPERLINK(\"x\")" and sheet["B2"].data_type == "s"
