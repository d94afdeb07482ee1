"""The yearly report as an XLSX workbook: a sheet per table, Chinese headers, native charts.

Text cells go through the exports' formula protection (`admin.exports.neutralise`): school
and expert names come from people's typing and the bureau's spreadsheets.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from forms_api.admin.exports import Cell, neutralise, show_time
from forms_api.bookings.records import STATUSES

PERCENT = "0.0%"
BOLD = Font(bold=True)


def _sheet(book: Workbook, title: str, header: Sequence[str], rows: Sequence[Sequence[Cell]],
           percent_columns: Sequence[int] = ()) -> Worksheet:
    sheet = book.create_sheet(title[:31])
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = BOLD
    for row in rows:
        sheet.append(list(row))
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", str(neutralise(cell.value)))
                cell.data_type = "s"
            elif cell.column - 1 in percent_columns and cell.value is not None:
                cell.number_format = PERCENT
    for column in sheet.columns:
        letter = column[0].column_letter
        sheet.column_dimensions[letter].width = min(40, max(
            10, *(len(str(c.value or "")) * 2 + 2 for c in column[:200])))
    sheet.freeze_panes = "A2"
    return sheet


def _summary(figures: dict[str, Any], bureau: str) -> list[list[Cell]]:
    schools, visits, experts = figures["schools"], figures["visits"], figures["experts"]
    rows: list[list[Cell]] = [
        ["统计单位", bureau], ["统计期间", figures["label"]],
        ["开始日期", figures["from"]], ["结束日期", figures["to"]],
        ["在册学校（所）", schools["total"]], ["培训已覆盖学校（所）", schools["covered"]],
        ["培训覆盖率", schools["coverage"]], ["尚未覆盖学校（所）", len(schools["uncovered"])],
        ["参训教师（人）", figures["teachers_trained"]],
        ["培训学时合计", figures["training_hours"]],
        ["人均培训学时", figures["hours_per_teacher"]],
        ["签到人次", figures["checkins"]],
        ["未关联到学校的签到（人次）", figures["unlinked_checkins"]],
        *([f"进校活动·{label}", visits[code]] for code, label in STATUSES.items()),
        ["有专家进校的学校（所）", figures["schools_visited"]],
        ["从未有专家进校的学校（所）", len(figures["never_visited"])],
        ["已通过审核的专家（人）", experts["approved"]],
        ["期间有进校活动的专家（人）", experts["with_visits"]],
    ]
    for target in figures["targets"].values():
        if target["target"] is not None:
            met = {True: "已达成", False: "未达成", None: ""}[target["met"]]
            rows.append([f"目标·{target['label']}（{target['unit']}）", target["target"]])
            rows.append([f"实际·{target['label']}（{target['unit']}）", target["actual"]])
            rows.append([f"目标·{target['label']}·是否达成", met])
    rows.append(["数据生成时间", show_time(figures["generated_at"])])
    return rows


def _bar(sheet: Worksheet, title: str, data_columns: tuple[int, int], rows: int,
         anchor: str) -> None:
    chart = BarChart()
    chart.title = title
    chart.y_axis.title = "所"
    chart.height, chart.width = 8, 16
    data = Reference(sheet, min_col=data_columns[0], max_col=data_columns[1], min_row=1,
                     max_row=rows + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=rows + 1))
    sheet.add_chart(chart, anchor)


def workbook(figures: dict[str, Any], bureau: str) -> bytes:
    """The report of `figures` (as `figures.compute` answers them) for `bureau`."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    summary = _sheet(book, "概况", ["项目", "数值"], _summary(figures, bureau))
    for row in summary.iter_rows(min_row=2):
        if row[0].value == "培训覆盖率":
            row[1].number_format = PERCENT

    districts = figures["by_district"]
    sheet = _sheet(book, "按区县", ["区县", "在册学校", "已覆盖", "覆盖率", "参训教师",
                                   *(f"进校·{label}" for label in STATUSES.values())],
                   [[r["district"], r["schools"], r["covered"], r["coverage"], r["teachers"],
                     *(r["visits"][code] for code in STATUSES)] for r in districts],
                   percent_columns=(3,))
    if districts:
        _bar(sheet, "各区县培训覆盖学校", (2, 3), len(districts), "A" + str(len(districts) + 4))

    stages = figures["by_stage"]
    _sheet(book, "按学段", ["学段", "在册学校", "已覆盖", "覆盖率"],
           [[r["label"], r["schools"], r["covered"], r["coverage"]] for r in stages],
           percent_columns=(3,))
    _sheet(book, "尚未覆盖学校", ["区县", "学校名称"],
           [[s["district"], s["name"]] for s in figures["schools"]["uncovered"]])
    _sheet(book, "从未有专家进校的学校", ["区县", "学校名称"],
           [[s["district"], s["name"]] for s in figures["never_visited"]])
    _sheet(book, "进校活动", ["状态", "数量"],
           [[label, figures["visits"][code]] for code, label in STATUSES.items()])
    _sheet(book, "专家进校", ["专家", "已完成进校", "已确认待进校", "审核状态"],
           [[e["name"], e["completed"], e["confirmed"], "已通过" if e["approved"] else "已不在名单"]
            for e in figures["experts"]["per_expert"]])

    trend = figures["trend"]
    sheet = _sheet(book, "月度趋势", ["月份", "签到人次", "参训教师", "完成进校"],
                   [[m["month"], m["checkins"], m["teachers"], m["visits"]] for m in trend])
    if trend:
        chart = LineChart()
        chart.title = "月度趋势"
        chart.height, chart.width = 8, 18
        chart.add_data(Reference(sheet, min_col=2, max_col=4, min_row=1, max_row=len(trend) + 1),
                       titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=len(trend) + 1))
        sheet.add_chart(chart, "F2")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
