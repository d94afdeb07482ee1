"""Booking rules the bureau sets (table `booking_rules`): all off until it sets them.

Rules record (id `rules`): {per_school_per_term, per_expert_per_month (int or null = no limit),
blackout: [{date, reason}], updated_at, updated_by}. A school's request is refused when a
preferred date is a blackout date (422) or falls in a term in which the school already has
`per_school_per_term` visits requested, confirmed or completed (409 `school_limit`). Confirming
a visit is refused on a blackout date (409 `blackout_date`) or when the expert already has
`per_expert_per_month` confirmed or completed visits that month (409 `expert_limit`).
Terms: the spring term runs from 1 February to 31 July, the autumn term from 1 August to
31 January. A school is recognised by its registry id (`school_id`) when the request is linked
to one, whatever name was typed; otherwise by its name with spaces removed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.bookings.records import BOOKINGS, STAFFED
from forms_api.errors import ApiError
from forms_api.forms.fields import half_width, has_control
from forms_api.storage import Database

RULES = "booking_rules"
RULES_ID = "rules"
COUNTED = ("requested", *STAFFED)
MAX_BLACKOUT = 366


@dataclass(frozen=True)
class Blackout:
    date: str
    reason: str


@dataclass(frozen=True)
class Rules:
    per_school_per_term: int | None = None
    per_expert_per_month: int | None = None
    blackout: tuple[Blackout, ...] = field(default_factory=tuple)

    def blackout_reason(self, day: str) -> str | None:
        for item in self.blackout:
            if item.date == day:
                return item.reason
        return None

    def as_dict(self) -> dict[str, Any]:
        return {"per_school_per_term": self.per_school_per_term,
                "per_expert_per_month": self.per_expert_per_month,
                "blackout": [{"date": b.date, "reason": b.reason} for b in self.blackout]}


def load_rules(db: Database) -> Rules:
    row = db.table(RULES).get_id(RULES_ID)
    if row is None:
        return Rules()
    return Rules(row.get("per_school_per_term"), row.get("per_expert_per_month"),
                 tuple(Blackout(b["date"], b.get("reason") or "") for b in row.get("blackout", [])))


def _limit(value: Any, name: str, errors: dict[str, str]) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not (isinstance(value, int) or (
            isinstance(value, str) and value.strip().isdigit())):
        errors[name] = "请填写 1 到 999 之间的整数；留空表示不限"
        return None
    number = int(value)
    if not 1 <= number <= 999:
        errors[name] = "请填写 1 到 999 之间的整数；留空表示不限"
        return None
    return number


# A range as people type it: 至, 到, ~ or ～, a dash (—— — – -) between two dates; the second
# may leave out its year (2027-01-04 ～ 01-05).
_RANGE = r"(?:至|到|~|～|——|—|–|-|to)"
_BLACKOUT_LINE = re.compile(
    rf"(\d{{4}}-\d{{1,2}}-\d{{1,2}})(?:\s*{_RANGE}\s*((?:\d{{4}}-)?\d{{1,2}}-\d{{1,2}})(?!\d))?\s*(.*)")
#: What is left after the first date starts like a range it could not read (`至1月5日`).
_UNREAD_RANGE = re.compile(rf"\W*\d{{4}}-|\s*{_RANGE}\s*\d")


def _day(text: str) -> dt.date:
    year, month, day = (int(part) for part in text.split("-"))
    return dt.date(year, month, day)


def parse_blackout(value: Any, errors: dict[str, str]) -> tuple[Blackout, ...]:
    """A list of {date, reason}, or text with one `YYYY-MM-DD [至 YYYY-MM-DD] 原因` per line."""
    items: list[Blackout] = []
    if has_control(value) or (isinstance(value, list) and any(
            isinstance(e, dict) and has_control(e.get("reason")) for e in value)):
        errors["blackout"] = "含有看不见的控制字符（可能是从别处复制来的），请删掉后重新输入"
        return ()
    if isinstance(value, str):
        lines = [half_width(line).strip() for line in value.splitlines() if line.strip()]
        for line in lines:
            match = _BLACKOUT_LINE.fullmatch(line)
            if not match or _UNREAD_RANGE.match(match[3]):  # a second date it did not read
                errors["blackout"] = (f"无法识别这一行：{line[:30]}（格式：2026-12-07 期末考试，"
                                      "或 2027-01-04 至 2027-01-05 教研活动）")
                return ()
            try:
                first = _day(match[1])
                second = match[2] if not match[2] or match[2].count("-") == 2 \
                    else f"{first.year}-{match[2]}"
                last = _day(second) if second else first
                if match[2] and second != match[2] and last < first:  # 12-30 ～ 01-02
                    last = last.replace(year=first.year + 1)
            except ValueError:
                errors["blackout"] = f"日期不存在：{line[:30]}"
                return ()
            if last < first or (last - first).days > 200:
                errors["blackout"] = f"日期范围不对：{line[:30]}"
                return ()
            reason = match[3].strip().lstrip("-—–:：、，, ").strip()[:40]
            items.extend(Blackout((first + dt.timedelta(days=n)).isoformat(), reason)
                         for n in range((last - first).days + 1))
    elif isinstance(value, list):
        for entry in value:
            day = entry.get("date") if isinstance(entry, dict) else entry
            reason = entry.get("reason", "") if isinstance(entry, dict) else ""
            try:
                items.append(Blackout(dt.date.fromisoformat(str(day)).isoformat(),
                                      str(reason or "")[:40]))
            except ValueError:
                errors["blackout"] = f"日期格式应为 年-月-日：{str(day)[:20]}"
                return ()
    elif value is not None:
        errors["blackout"] = "应为日期列表"
        return ()
    unique = {b.date: b for b in items}
    if len(unique) > MAX_BLACKOUT:
        errors["blackout"] = f"不可预约日期最多 {MAX_BLACKOUT} 天"
        return ()
    return tuple(sorted(unique.values(), key=lambda b: b.date))


def save_rules(db: Database, data: dict[str, Any], actor: str) -> Rules:
    """Validate and store the rules (every field error at once)."""
    errors: dict[str, str] = {}
    rules = Rules(_limit(data.get("per_school_per_term"), "per_school_per_term", errors),
                  _limit(data.get("per_expert_per_month"), "per_expert_per_month", errors),
                  parse_blackout(data.get("blackout"), errors))
    if errors:
        raise ApiError(422, message="；".join(errors.values()), fields=errors)
    table = db.table(RULES)
    with db.transaction():
        row = {"id": RULES_ID, **rules.as_dict(), "updated_at": clock.iso(clock.now()),
               "updated_by": actor}
        if table.update_id(RULES_ID, row) is None:
            table.insert(row)
        audit.record(db, actor, "limits.update", RULES, blackout_days=len(rules.blackout))
    return rules


def term_of(day: dt.date) -> tuple[dt.date, dt.date, str]:
    """The school term holding `day`: (first day, last day, Chinese name)."""
    if 2 <= day.month <= 7:
        return dt.date(day.year, 2, 1), dt.date(day.year, 7, 31), f"{day.year}年春季学期"
    year = day.year if day.month >= 8 else day.year - 1
    return (dt.date(year, 8, 1), dt.date(year + 1, 1, 31), f"{year}年秋季学期")


def school_key(name: str) -> str:
    return re.sub(r"\s+", "", name)


def same_school(booking: dict[str, Any], school: str, school_id: str | None) -> bool:
    """Whether `booking` is the school's: by registry id when the request has one (however
    the name was typed), else by the name with spaces removed."""
    if school_id is not None:
        return booking.get("school_id") == school_id
    return school_key(str(booking.get("school", ""))) == school_key(school)


def visit_day(booking: dict[str, Any]) -> str | None:
    """The confirmed date, else the first preferred date."""
    if booking.get("date"):
        return str(booking["date"])
    dates = booking.get("preferred_dates") or []
    return str(min(dates)) if dates else None


def check_request(db: Database, school: str, preferred: Iterable[dt.date | str],
                  school_id: str | None = None) -> None:
    """Refuse a school's request that the bureau's rules do not allow (call in a transaction)."""
    rules = load_rules(db)
    days = [d if isinstance(d, str) else d.isoformat() for d in preferred]
    closed = [(d, rules.blackout_reason(d)) for d in days if rules.blackout_reason(d) is not None]
    if closed:
        text = "、".join(f"{d}（{r}）" if r else d for d, r in closed)
        raise ApiError(422, message=f"以下日期不安排进校活动：{text}，请另选日期。",
                       fields={"preferred_dates": f"{text} 不安排进校活动，请另选日期"})
    limit = rules.per_school_per_term
    if limit is None:
        return
    mine = [b for b in db.table(BOOKINGS).all()
            if b.get("status") in COUNTED and same_school(b, school, school_id)]
    full = []
    for day in days:
        first, last, name = term_of(dt.date.fromisoformat(day))
        used = sum(1 for b in mine if (v := visit_day(b)) and first.isoformat() <= v <= last.isoformat())
        if used >= limit:
            full.append(name)
    if full:
        names = "、".join(dict.fromkeys(full))
        raise ApiError(409, "school_limit",
                       f"每所学校每学期最多预约 {limit} 次，贵校{names}的次数已用完。",
                       fields={"preferred_dates": f"{names}的预约次数已用完（每学期 {limit} 次）"})


def check_confirmation(db: Database, booking_id: str, day: dt.date, expert_id: str) -> None:
    """Refuse confirming on a blackout date or beyond the expert's monthly limit."""
    rules = load_rules(db)
    reason = rules.blackout_reason(day.isoformat())
    if reason is not None:
        raise ApiError(409, "blackout_date",
                       f"{day.isoformat()} 是不安排进校活动的日期{f'（{reason}）' if reason else ''}。")
    limit = rules.per_expert_per_month
    if limit is None:
        return
    month = day.isoformat()[:7]
    used = [b for b in db.table(BOOKINGS).find(expert_id=expert_id)
            if b["id"] != booking_id and b.get("status") in STAFFED
            and str(b.get("date") or "")[:7] == month]
    if len(used) >= limit:
        raise ApiError(409, "expert_limit",
                       f"这位专家 {day.year}年{day.month}月已安排 {len(used)} 次进校活动，"
                       f"达到每月 {limit} 次的上限。")


def open_dates(db: Database, days: Iterable[dt.date]) -> list[dt.date]:
    """`days` without the blackout dates (for the booking form's date choices)."""
    rules = load_rules(db)
    return [d for d in days if rules.blackout_reason(d.isoformat()) is None]
