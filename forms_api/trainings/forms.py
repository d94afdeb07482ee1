"""培训签到: the check-in form a teacher fills at the venue (table `attendance`).

Record: {id, session_id, name, school, phone, district, subject, consent, notice_version,
checked_in_at, submission}. One record per (session_id, phone).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from forms_api import clock
from forms_api.forms import FormSpec
from forms_api.forms.fields import CONSENT_LABEL, Mobile, PortalForm, field, half_width

CODE_PATTERN = r"\d{4,8}"


class Attendance(PortalForm):
    """培训签到"""

    name: str = field("姓名", min_length=2, max_length=20, autocomplete="name",
                      placeholder="例如 王芳")
    school: str = field("学校", min_length=2, max_length=50, autocomplete="organization",
                        placeholder="例如 市第一中学")
    phone: Mobile = field("手机号", widget="tel", inputmode="numeric", autocomplete="tel",
                          placeholder="例如 13800138000",
                          help="用于核对学时，不会公开；同一手机号在同一场培训只记一次。")
    code: Annotated[str, BeforeValidator(half_width)] = field("签到码", min_length=4, max_length=8, inputmode="numeric",
                      pattern=CODE_PATTERN, autocomplete="off",
                      help="现场公布的数字签到码；扫码打开时已自动填好。")
    district: str | None = field("区县", None, max_length=20)
    subject: str | None = field("任教学科", None, max_length=20, placeholder="例如 心理健康、语文")
    # Optional in the API (the contract's check-in has no consent); required on the page.
    consent: bool = field(CONSENT_LABEL, False, widget="checkbox", form_required=True,
                          help="签到记录用于统计继续教育学时。")


def _in_shanghai(moment: dt.datetime) -> dt.datetime:
    aware = moment.replace(tzinfo=clock.TZ) if moment.tzinfo is None else moment
    return aware.astimezone(clock.TZ).replace(microsecond=0)


def _parse_moment(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError(
                "datetime", "请按 ISO 8601 填写时间，例如 2026-12-07T09:00:00+08:00") from None
    return value


Moment = Annotated[dt.datetime, BeforeValidator(_parse_moment), AfterValidator(_in_shanghai)]


def _digits(code: str) -> str:
    if not code.isdigit():
        raise PydanticCustomError("code", "签到码应为 4 到 8 位数字")
    return code


class TrainingSession(PortalForm):
    """新建培训场次"""

    module: str = field("培训课程", max_length=60, help="content/training/ 下某个课程的 slug")
    title: str = field("场次名称", min_length=2, max_length=60)
    starts_at: Moment = field("开始时间", help="ISO 8601；不带时区时按北京时间")
    ends_at: Moment = field("结束时间")
    location: str = field("地点", min_length=2, max_length=100)
    capacity: int = field("名额", ge=1, le=5000)
    code: Annotated[str, AfterValidator(_digits)] | None = field(
        "签到码", None, min_length=4, max_length=8, pattern=CODE_PATTERN)


ATTENDANCE_FORM = FormSpec("attendance", Attendance, "/api/trainings/{session}/attendance",
                           "attend/", "签到", min_fill_seconds=1.5)
