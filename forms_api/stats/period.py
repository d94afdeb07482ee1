"""The period the figures cover: a school year (1 September – 31 August) or a date range.

`from` and `to` are dates in Asia/Shanghai, both days included. Without either, the period is
the current school year; with one of them, the school year holding it supplies the other end.
`year=2025` names the school year 2025-09-01 – 2026-08-31.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from forms_api import clock
from forms_api.errors import ApiError
from forms_api.forms.fields import half_width

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FIRST_YEAR, LAST_YEAR = 2000, 2100
#: Ten years at most: the monthly trend stays a readable table.
MAX_DAYS = 3660


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date

    def holds(self, day: dt.date) -> bool:
        return self.first <= day <= self.last

    @property
    def school_year(self) -> int | None:
        """The school year's first calendar year when the period is exactly one, else None."""
        year = school_year_of(self.first)
        return year if self == school_year(year) else None

    @property
    def label(self) -> str:
        """2025–2026 学年, or 2026-01-01 至 2026-06-30."""
        year = self.school_year
        if year is not None:
            return f"{year}–{year + 1} 学年"
        return f"{self.first.isoformat()} 至 {self.last.isoformat()}"

    def months(self) -> list[str]:
        """Every month the period touches, as `YYYY-MM`."""
        out: list[str] = []
        year, month = self.first.year, self.first.month
        while (year, month) <= (self.last.year, self.last.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


def school_year_of(day: dt.date) -> int:
    """The first calendar year of the school year holding `day` (September starts one)."""
    return day.year if day.month >= 9 else day.year - 1


def school_year(year: int) -> Period:
    return Period(dt.date(year, 9, 1), dt.date(year + 1, 8, 31))


def current(today: dt.date | None = None) -> Period:
    """The school year holding today (Asia/Shanghai)."""
    return school_year(school_year_of(today or clock.today()))


def _date(value: str, name: str, errors: dict[str, str]) -> dt.date | None:
    text = half_width(value).strip()
    if not _DATE.fullmatch(text):
        errors[name] = f"日期格式应为 年-月-日（如 2026-09-01），收到“{value[:20]}”"
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = f"没有这一天：{text}"
        return None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        errors[name] = f"年份应在 {FIRST_YEAR} 到 {LAST_YEAR} 之间"
        return None
    return day


def _year(value: str, errors: dict[str, str]) -> int | None:
    text = half_width(value).strip()
    if not (text.isascii() and text.isdigit()) or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        errors["year"] = f"学年应写成开始的年份，{FIRST_YEAR} 到 {LAST_YEAR} 之间（如 2025 表示 2025–2026 学年）"
        return None
    return int(text)


def from_query(query: Mapping[str, str], today: dt.date | None = None) -> Period:
    """The period a request asks for (`from`, `to`, or `year`); 422 naming each bad field."""
    errors: dict[str, str] = {}
    first_text, last_text = query.get("from") or "", query.get("to") or ""
    year_text = query.get("year") or ""
    if year_text and (first_text or last_text):
        errors["year"] = "学年和起止日期只能选一种"
        raise ApiError(422, message="；".join(errors.values()), fields=errors)
    if year_text:
        year = _year(year_text, errors)
        if year is None:
            raise ApiError(422, message="；".join(errors.values()), fields=errors)
        return school_year(year)
    first = _date(first_text, "from", errors) if first_text else None
    last = _date(last_text, "to", errors) if last_text else None
    if errors:
        raise ApiError(422, message="；".join(errors.values()), fields=errors)
    if first is None and last is None:
        return current(today)
    if first is None:
        assert last is not None
        first = school_year(school_year_of(last)).first
    if last is None:
        last = school_year(school_year_of(first)).last
    if first > last:
        message = f"结束日期 {last.isoformat()} 早于开始日期 {first.isoformat()}"
        raise ApiError(422, message=message, fields={"to": "结束日期不能早于开始日期"})
    if (last - first).days > MAX_DAYS:
        raise ApiError(422, message="统计时间最长 10 年", fields={"to": "统计时间最长 10 年"})
    return Period(first, last)


def recent_years(earliest: dt.date | None, today: dt.date | None = None) -> list[int]:
    """The school years to offer in the console, newest first (from the oldest record on)."""
    now = school_year_of(today or clock.today())
    oldest = school_year_of(earliest) if earliest else now
    return list(range(now, max(min(oldest, now), now - 9) - 1, -1))
