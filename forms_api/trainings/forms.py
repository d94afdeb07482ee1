"""培训签到: the check-in form a teacher fills at the venue (table `attendance`).

Record: {id, session_id, name, school, phone, district, subject, consent, notice_version,
checked_in_at, submission}. One record per (session_id, phone).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from forms_api import clock
from forms_api.forms import FormSpec
from forms_api.forms.fields import (
    CONSENT_LABEL,
    Consent,
    Mobile,
    PortalForm,
    check_choices,
    field,
    half_width,
)
from forms_api.schools.fields import SCHOOL_ID_LABEL, SchoolId

CODE_PATTERN = r"\d{4,8}"
#: What the browser lets a teacher type as a code: digits, full-width ones, spaces (`682 943`).
TYPED_CODE_LENGTH = 12
TYPED_CODE_PATTERN = rf"[0-9０-９\s\-－]{{4,{TYPED_CODE_LENGTH}}}"


def typed_code(value: Any) -> Any:
    """A code as people type it (`６８２ ９４３`, `682-943`): ASCII digits, nothing between."""
    return re.sub(r"[\s\-]+", "", half_width(value)) if isinstance(value, str) else value


TypedCode = Annotated[str, BeforeValidator(typed_code)]
NONCE_PATTERN = r"[A-Za-z0-9_-]{8,64}"


def _in_shanghai(moment: dt.datetime) -> dt.datetime:
    aware = moment.replace(tzinfo=clock.TZ) if moment.tzinfo is None else moment
    if not 2000 <= moment.year <= 2200:  # also keeps the zone shift inside datetime's range
        raise PydanticCustomError("datetime", "时间超出范围，请填写 2000 年到 2200 年之间的时间")
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


class TeacherFields(PortalForm):
    """Who the teacher is, as the check-in and the registration both ask it (not a form itself)."""

    name: str = field("姓名", min_length=2, max_length=20, autocomplete="name",
                      placeholder="例如 王芳")
    school: str = field("学校", min_length=2, max_length=50, autocomplete="organization",
                        placeholder="例如 市第一中学")
    # Filled by the school picker (school-picker.js); without it the name is matched.
    school_id: SchoolId = field(SCHOOL_ID_LABEL, None, widget="hidden", max_length=40)


class Attendance(TeacherFields):
    """培训签到"""

    phone: Mobile = field("手机号", widget="tel", inputmode="numeric", autocomplete="tel",
                          placeholder="例如 13800138000",
                          help="用于核对学时，不会公开；同一手机号在同一场培训只记一次。")
    code: TypedCode = field("签到码", min_length=4, max_length=8, inputmode="numeric",
                            pattern=TYPED_CODE_PATTERN, form_max_length=TYPED_CODE_LENGTH,
                            autocomplete="off",
                            help="现场公布的数字签到码；扫码打开时已自动填好。")
    district: str | None = field("区县", None, max_length=20)
    subject: str | None = field("任教学科", None, max_length=20, placeholder="例如 心理健康、语文")
    # Optional in the API (the contract's check-in has no consent); required on the page.
    consent: bool = field(CONSENT_LABEL, False, widget="checkbox", form_required=True,
                          help="签到记录用于统计继续教育学时。")
    # Filled by the page's offline queue (attend-offline.js): one nonce per check-in made, and
    # when it was made on the phone, so a check-in sent late is judged at that time.
    nonce: str | None = field("离线签到编号", None, widget="hidden", min_length=8, max_length=64,
                              pattern=NONCE_PATTERN)
    made_at: Moment | None = field("签到时间（手机）", None, widget="hidden")


def _digits(code: str) -> str:
    if not code.isdigit():
        raise PydanticCustomError("code", "签到码应为 4 到 8 位数字")
    return code


class RegistrationRule(PortalForm):
    """培训报名规则"""

    capacity: int = field("报名名额", ge=1, le=5000)
    deadline: Moment = field("报名截止时间", help="ISO 8601；不带时区时按北京时间")
    required: bool = field("仅限已报名教师签到", False)


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
    # Optional, and kept as they are when a PATCH leaves them out (see `sessions.update`).
    registration: RegistrationRule | None = field(
        "报名", None, help="{capacity, deadline, required}；不填则不设报名")
    code_rotation_seconds: int | None = field(
        "签到码更换间隔（秒）", None, ge=0, le=3600, help="0 为固定签到码；例如 30")
    sign_out: bool | None = field("需要签退", None)
    min_attendance: float | None = field("最低出勤比例", None, ge=0, le=1,
                                         help="0 到 1，占场次时长的比例，例如 0.8")


class Registration(TeacherFields):
    """培训报名"""

    phone: Mobile = field("手机号", widget="tel", inputmode="numeric", autocomplete="tel",
                          placeholder="例如 13800138000",
                          help="用于发送报名结果和现场签到核对，不会公开。")
    consent: Consent = field(CONSENT_LABEL, widget="checkbox",
                             help="报名信息用于安排座位、发送通知和核对签到。")


class SignOut(PortalForm):
    """培训签退"""

    phone: Mobile = field("手机号", widget="tel", inputmode="numeric", autocomplete="tel",
                          placeholder="例如 13800138000", help="请填写签到时用的手机号。")
    code: TypedCode = field(
        "签退码", min_length=4, max_length=8, inputmode="numeric", pattern=TYPED_CODE_PATTERN,
        form_max_length=TYPED_CODE_LENGTH, autocomplete="off",
        help="培训结束时现场公布的签退码；扫码打开时已自动填好。")
    nonce: str | None = field("离线签退编号", None, widget="hidden", min_length=8, max_length=64,
                              pattern=NONCE_PATTERN)
    made_at: Moment | None = field("签退时间（手机）", None, widget="hidden")


class CancelRegistration(PortalForm):
    """取消报名"""

    token: str = field("取消凭证", min_length=16, max_length=64)


ATTENDANCE_FORM = FormSpec("attendance", Attendance, "/api/trainings/{session}/attendance",
                           "attend/", "签到", min_fill_seconds=1.5)
REGISTRATION_FORM = FormSpec("registration", Registration, "/api/trainings/{session}/registrations",
                             "training/register/", "报名", min_fill_seconds=2.0)
SIGNOUT_FORM = FormSpec("signout", SignOut, "/api/trainings/{session}/signout", "attend/signout/",
                        "签退", min_fill_seconds=1.0)

#: Why staff remove a check-in or change whether it counts (codes go to the audit log).
REMOVE_REASONS = {"duplicate": "重复记录", "not_present": "本人未到场（代签）",
                  "wrong_session": "签错场次", "test": "测试数据", "other": "其他"}
CORRECT_REASONS = {"paper_signed": "纸质签到表有签名为证", "device_failed": "手机故障未能签到或签退",
                   "left_early": "提前离场", "approved_leave": "经批准的请假",
                   "other": "其他"}
RemoveReason = Literal["duplicate", "not_present", "wrong_session", "test", "other"]
CorrectReason = Literal["paper_signed", "device_failed", "left_early", "approved_leave", "other"]
check_choices(RemoveReason, REMOVE_REASONS)
check_choices(CorrectReason, CORRECT_REASONS)


class PaperEntry(PortalForm):
    """补录纸质签到"""

    name: str = field("姓名", min_length=2, max_length=20)
    school: str = field("学校", min_length=2, max_length=50)
    phone: Mobile = field("手机号")
    arrived_at: Moment | None = field("签到时间", None, help="不填则按开始时间")
    left_at: Moment | None = field("签退时间", None, help="纸质表上有签退签名时填写")


class RemoveEntry(PortalForm):
    """删除签到记录"""

    reason: RemoveReason = field("原因", choices=REMOVE_REASONS)
    note: str | None = field("说明", None, max_length=200)


class CorrectEntry(PortalForm):
    """更正学时认定"""

    counted: bool | None = field("是否计入学时", None, help="不填则恢复按规则认定")
    reason: CorrectReason = field("原因", choices=CORRECT_REASONS)
    note: str | None = field("说明", None, max_length=200)
