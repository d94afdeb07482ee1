"""The portal's one time zone, Asia/Shanghai, and the times people see."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    """The current time in Asia/Shanghai, to the second."""
    return dt.datetime.now(TZ).replace(microsecond=0)


def today() -> dt.date:
    return now().date()


def iso(moment: dt.datetime) -> str:
    """ISO 8601 with the +08:00 offset, as stored and answered."""
    return moment.astimezone(TZ).isoformat()


def parse_iso(text: str) -> dt.datetime:
    """A stored ISO 8601 time back as an aware datetime in Asia/Shanghai."""
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)
    return moment.astimezone(TZ)


WEEKDAYS = "一二三四五六日"


def show_date(day: dt.date) -> str:
    """12月7日（周一）"""
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"


def show_time(moment: dt.datetime) -> str:
    return moment.astimezone(TZ).strftime("%H:%M")


def show_span(starts: dt.datetime, ends: dt.datetime) -> str:
    """2026年12月7日（周一）09:00–11:30"""
    start = starts.astimezone(TZ)
    return f"{start.year}年{show_date(start.date())} {show_time(start)}–{show_time(ends)}"
