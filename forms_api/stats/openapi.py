"""The statistics' part of `/api/openapi.json`."""

from __future__ import annotations

from typing import Any

from forms_api.stats.forms import Targets
from forms_api.web.openapi import ADMIN, FORM_ERRORS, TEXT, OpenApiPart, answers, body, obj, param, ref

COUNT = {"type": "integer", "minimum": 0}
NUMBER = {"type": "number", "minimum": 0}
NULLABLE_NUMBER = {"type": ["number", "null"]}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
DATE = {"type": "string", "format": "date"}
SCHOOL = obj(id=TEXT, name=TEXT, district=TEXT)
STATUS_COUNTS = obj(requested=COUNT, confirmed=COUNT, completed=COUNT, declined=COUNT,
                    cancelled=COUNT)
PERIOD = [param("from", "query", False, {"type": "string", "format": "date"}),
          param("to", "query", False, {"type": "string", "format": "date"}),
          param("year", "query", False, {"type": "integer", "minimum": 2000, "maximum": 2100})]


def _with(schema: dict[str, Any], **optional: Any) -> dict[str, Any]:
    """`schema` plus properties that are answered but not named by the contract."""
    return {**schema, "properties": {**schema["properties"], **optional}}


STATS = _with(
    obj(**{"from": DATE, "to": DATE},
        schools=_with(obj(total=COUNT, covered=COUNT, uncovered={"type": "array", "items": SCHOOL}),
                      coverage=NULLABLE_NUMBER, closed=COUNT, merged=COUNT),
        teachers_trained=COUNT, training_hours=NUMBER,
        by_district={"type": "array", "items": _with(
            obj(district=TEXT, schools=COUNT, covered=COUNT, teachers=COUNT,
                visits_completed=COUNT), coverage=NULLABLE_NUMBER, visits=STATUS_COUNTS)},
        visits=_with(STATUS_COUNTS, total=COUNT),
        experts=_with(obj(approved=COUNT, with_visits=COUNT), visits=COUNT, per_expert={
            "type": "array", "items": obj(id=TEXT, name=TEXT, completed=COUNT, confirmed=COUNT,
                                          approved={"type": "boolean"})})),
    label=TEXT, school_year={"type": ["integer", "null"]}, hours_per_teacher=NULLABLE_NUMBER,
    checkins=COUNT, unlinked_checkins=COUNT, unlinked_bookings=COUNT, schools_visited=COUNT,
    by_stage={"type": "array", "items": obj(stage={"type": ["string", "null"]}, label=TEXT,
                                            schools=COUNT, covered=COUNT,
                                            coverage=NULLABLE_NUMBER)},
    never_visited={"type": "array", "items": SCHOOL},
    trend={"type": "array", "items": obj(month=TEXT, checkins=COUNT, teachers=COUNT,
                                         visits=COUNT)},
    targets={"type": "object", "additionalProperties": obj(
        label=TEXT, unit=TEXT, target=NULLABLE_NUMBER, actual=NULLABLE_NUMBER,
        met={"type": ["boolean", "null"]})},
    updated={"type": "object", "additionalProperties": NULLABLE_TIME},
    generated_at={"type": "string", "format": "date-time"},
)
TARGETS = obj(coverage=NULLABLE_NUMBER, visit_coverage=NULLABLE_NUMBER, teachers=NULLABLE_NUMBER,
              hours_per_teacher=NULLABLE_NUMBER)
XLSX = {"description": "the yearly report", "content": {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}}}}

PART = OpenApiPart(
    models=(Targets,),
    answers={"Stats": STATS, "StatsTargets": TARGETS},
    paths={
        "/api/admin/stats": {"get": {
            "summary": "The programme's figures for a school year or a date range (统计)",
            "description": "Default: the current school year, 1 September – 31 August "
                           "(Asia/Shanghai). Visits are counted by their date when set, else "
                           "by the day they were requested.",
            "security": ADMIN, "parameters": PERIOD,
            "responses": answers(200, 401, 422, ok=ref("Stats"))}},
        "/api/admin/stats/report.xlsx": {"get": {
            "summary": "The yearly report as an Excel workbook", "security": ADMIN,
            "parameters": PERIOD, "responses": {**answers(401, 422), "200": XLSX}}},
        "/api/admin/stats/targets": {
            "get": {"summary": "The bureau's targets", "security": ADMIN,
                    "responses": answers(200, 401, ok=ref("StatsTargets"))},
            "put": {"summary": "Set the bureau's targets (null: no target)", "security": ADMIN,
                    "requestBody": body("Targets"),
                    "responses": answers(200, 401, *FORM_ERRORS, ok=ref("StatsTargets"))}},
    },
)
