"""预约专家进校园: a school's request for an expert visit (table `bookings`).

Record: {id, reference, status (requested|confirmed|completed|cancelled|declined), school,
district, stage, contact_name, phone, email, preferred_dates, time_slot, topic, topic_detail,
audience, audience_size, expert_id, notes, consent, notice_version, date (set on confirm),
note, created_at, updated_at, submission}.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from forms_api import clock
from forms_api.bookings.records import STATUSES
from forms_api.bookings.rules import open_dates
from forms_api.clock import today
from forms_api.forms import Choices, FormSpec
from forms_api.forms.fields import (
    CONSENT_LABEL,
    NO_STUDENT_DETAILS,
    Consent,
    DateText,
    Email,
    Phone,
    PortalForm,
    Unique,
    check_choices,
    field,
    half_width,
    invalid,
)
from forms_api.schools.fields import SCHOOL_ID_LABEL, SchoolId
from forms_api.schools.records import STAGES, StageCode
from forms_api.storage import Database
from forms_api.volunteers.forms import EXPERTISE, ExpertiseCode
from forms_api.volunteers.records import public_experts

TimeSlotCode = Literal["morning", "afternoon"]
TIME_SLOTS: dict[str, str] = {"morning": "上午", "afternoon": "下午"}
check_choices(TimeSlotCode, TIME_SLOTS)
AudienceCode = Literal["students", "teachers", "parents"]
AUDIENCES: dict[str, str] = {"students": "学生", "teachers": "教师", "parents": "家长"}
check_choices(AudienceCode, AUDIENCES)

MIN_DAYS, MAX_DAYS = 7, 180


def eligible_dates(on: dt.date | None = None) -> list[dt.date]:
    """Every weekday from 7 to 180 days after today (Asia/Shanghai)."""
    start = on or today()
    days = (start + dt.timedelta(days=n) for n in range(MIN_DAYS, MAX_DAYS + 1))
    return [d for d in days if d.weekday() < 5]


def _check_visit_date(day: dt.date) -> dt.date:
    if day.weekday() >= 5:
        raise invalid("weekday", f"{day.isoformat()} 是周末，请选择工作日（周一至周五）")
    offset = (day - today()).days
    if not MIN_DAYS <= offset <= MAX_DAYS:
        first, last = eligible_dates()[0], eligible_dates()[-1]
        raise invalid("date_range", f"请选择今天起 {MIN_DAYS} 到 {MAX_DAYS} 天之间的工作日"
                                   f"（{first.isoformat()} 至 {last.isoformat()}）")
    return day


VisitDate = Annotated[DateText, AfterValidator(_check_visit_date)]

# References: 8 symbols from 32 unambiguous ones (no 0/O, 1/I) = 40 bits, shown BK-XXXX-XXXX.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
REFERENCE_PATTERN = r"BK-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}"


def new_reference() -> str:
    symbols = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"BK-{symbols[:4]}-{symbols[4:]}"


def normalize_reference(value: Any) -> Any:
    """`bk 7k3m 9qxa` as typed becomes `BK-7K3M-9QXA`; anything else is left to fail."""
    if not isinstance(value, str):
        return value
    compact = re.sub(r"[\s\-]", "", half_width(value)).upper()
    if compact.startswith("BK"):
        compact = compact[2:]
    if len(compact) == 8:
        return f"BK-{compact[:4]}-{compact[4:]}"
    return value


def _check_reference(value: str) -> str:
    if not re.fullmatch(REFERENCE_PATTERN, value):
        raise invalid("reference", "请填写提交预约后得到的预约编号，例如 BK-7K3M-9QXA")
    return value


Reference = Annotated[str, BeforeValidator(normalize_reference), AfterValidator(_check_reference),
                      Field(max_length=20)]


class Booking(PortalForm):
    """预约专家进校园"""

    school: str = field("学校名称", min_length=2, max_length=60, autocomplete="organization")
    # Filled by the school picker (school-picker.js); without it the name is matched.
    school_id: SchoolId = field(SCHOOL_ID_LABEL, None, widget="hidden", max_length=40)
    district: str = field("所在区县", min_length=2, max_length=20)
    stage: StageCode = field("学段", widget="select", choices=STAGES)
    contact_name: str = field("联系人姓名", min_length=2, max_length=20, autocomplete="name")
    phone: Phone = field("联系电话", widget="tel", inputmode="tel", autocomplete="tel",
                         placeholder="例如 13800138000 或 0391-1234567",
                         help="手机或带区号的座机；查询和取消预约时需要，不会公开。")
    email: Email | None = field("电子邮箱", None, widget="email", inputmode="email",
                                autocomplete="email", help="可不填。")
    preferred_dates: Annotated[list[VisitDate], Unique] = field(
        "希望的日期", widget="date", min_length=1, max_length=3,
        placeholder="例如 2026-12-07",
        help=f"可选 1 到 3 个工作日，须在今天起 {MIN_DAYS} 到 {MAX_DAYS} 天之间；"
             "格式：年-月-日。")
    time_slot: TimeSlotCode = field("时段", widget="radio", choices=TIME_SLOTS)
    topic: ExpertiseCode = field("主题", widget="select", choices=EXPERTISE)
    topic_detail: str | None = field("主题说明", None, widget="textarea", max_length=500,
                                     help="希望专家重点讲什么。" + NO_STUDENT_DETAILS)
    audience: AudienceCode = field("对象", widget="radio", choices=AUDIENCES)
    audience_size: int = field("人数", widget="number", inputmode="numeric", ge=1, le=3000,
                               placeholder="例如 200")
    expert_id: str | None = field("希望邀请的专家", None, widget="select", max_length=40,
                                  choices={}, help="可不选，由教育局安排。")
    notes: str | None = field("补充说明", None, widget="textarea", max_length=1000,
                              help="场地、设备等安排。" + NO_STUDENT_DETAILS)
    consent: Consent = field(CONSENT_LABEL, widget="checkbox")


class BookingLookup(PortalForm):
    """预约查询"""

    reference: Reference = field("预约编号", placeholder="例如 BK-7K3M-9QXA",
                                 autocomplete="off", help="提交预约后页面上显示的编号。")
    phone: Phone = field("联系电话", widget="tel", inputmode="tel", autocomplete="tel",
                         help="预约时填写的联系电话。")


class BookingCancel(PortalForm):
    """取消预约"""

    phone: Phone = field("联系电话", widget="tel", inputmode="tel")
    reason: str | None = field("取消原因", None, widget="textarea", max_length=200,
                               help="教育局和专家会看到。" + NO_STUDENT_DETAILS)


class BookingChange(PortalForm):
    """处理预约"""

    status: Literal["confirmed", "completed", "declined", "cancelled"] = field(
        "状态", widget="select", choices={k: v for k, v in STATUSES.items() if k != "requested"})
    date: DateText | None = field("日期", None)
    time_slot: TimeSlotCode | None = field("时段", None, widget="radio", choices=TIME_SLOTS)
    expert_id: str | None = field("专家", None, max_length=40)
    note: str | None = field("备注", None, max_length=500)
    reason: str | None = field("说明（学校查询时可见）", None, max_length=200)


def serve_choices(db: Database) -> dict[str, Choices]:
    """Choices known only when serving: today's eligible dates, the approved public experts."""
    dates = [(d.isoformat(), f"{d.isoformat()} {clock.show_date(d)}")
             for d in open_dates(db, eligible_dates())]  # without the bureau's blackout dates
    experts = [(e["id"], f"{e['name']}（{e['organization']}）") for e in public_experts(db)]
    return {"preferred_dates": dates, "expert_id": experts}


BOOKING_FORM = FormSpec("bookings", Booking, "/api/bookings", "booking/", "提交预约",
                        choices=serve_choices)
LOOKUP_FORM = FormSpec("booking_lookup", BookingLookup, "/booking/status/", "booking/status/",
                       "查询", min_fill_seconds=0)
