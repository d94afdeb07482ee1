"""The rota's admin forms: a hotline with its shift pattern, shifts, assignment, corrections."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from forms_api.errors import ApiError
from forms_api.forms.fields import DateText, PortalForm, field, half_width
from forms_api.trainings.forms import Moment

HHMM = r"([01]\d|2[0-3]):[0-5]\d"
NUMBER = r"\d[\d-]{1,18}\d"
MAX_DAYS = 92  # one generation covers at most a quarter


def _matches(regex: str, kind: str, message: str) -> AfterValidator:
    def check(value: str) -> str:
        if not re.fullmatch(regex, value):
            raise PydanticCustomError(kind, message)
        return value
    return AfterValidator(check)


ClockTime = Annotated[str, _matches(HHMM, "time", "请按 时:分 填写，例如 08:00 或 20:30")]
PublicNumber = Annotated[str, BeforeValidator(half_width),
                         _matches(NUMBER, "number", "请填写数字和连字符，例如 0530-1234567")]


def refuse(name: str, message: str) -> ApiError:
    """A 422 naming one field, for the checks that compare two fields."""
    return ApiError(422, message=message, fields={name: message})


def check_seats(low: int, high: int | None, name: str = "max_seats") -> None:
    if high is not None and high < low:
        raise refuse(name, "最多人数不能少于最少人数")


def check_span(starts: dt.datetime, ends: dt.datetime, name: str = "ends_at") -> None:
    if ends <= starts:
        raise refuse(name, "结束时间应晚于开始时间")
    if ends - starts > dt.timedelta(hours=24):
        raise refuse(name, "一个班次不能超过 24 小时")


def check_days(first: dt.date, last: dt.date) -> None:
    if last < first:
        raise refuse("to", "结束日期不能早于开始日期")
    if (last - first).days >= MAX_DAYS:
        raise refuse("to", f"一次最多生成 {MAX_DAYS} 天")


class PatternSlot(PortalForm):
    """班次模板"""

    start: ClockTime = field("开始", pattern=HHMM, max_length=5, help="HH:MM，北京时间")
    end: ClockTime = field("结束", pattern=HHMM, max_length=5,
                     help="HH:MM；不晚于开始时间的，结束在第二天（夜班）")
    min_seats: int = field("最少人数", 2, ge=1, le=20)
    max_seats: int | None = field("最多人数", None, ge=1, le=20, help="不填即等于最少人数")
    supervisor: str | None = field("督导（备班）", None, max_length=60)



class Hotline(PortalForm):
    """新建热线"""

    name: str = field("热线名称", min_length=2, max_length=40, placeholder="例如 市学生心理援助热线")
    number: PublicNumber = field("对外号码", pattern=NUMBER, max_length=20,
                        help="数字和连字符，例如 0530-1234567")
    hours: str | None = field("服务时间", None, max_length=40, placeholder="例如 24小时")
    training_module: str = field("上岗培训课程", max_length=60,
                                 help="content/training/ 下某个课程的 slug；签到过该课程的志愿者才能值班")
    pattern: list[PatternSlot] = field("班次模板", min_length=1, max_length=12)


class Generate(PortalForm):
    """按模板生成班次"""

    from_: DateText = field("开始日期", alias="from")
    to: DateText = field("结束日期")



class ShiftForm(PortalForm):
    """新增班次"""

    starts_at: Moment = field("开始时间", help="ISO 8601；不带时区时按北京时间")
    ends_at: Moment = field("结束时间")
    min_seats: int = field("最少人数", 2, ge=1, le=20)
    max_seats: int | None = field("最多人数", None, ge=1, le=20)
    supervisor: str | None = field("督导（备班）", None, max_length=60)



class ShiftChange(PortalForm):
    """修改班次"""

    starts_at: Moment | None = field("开始时间", None)
    ends_at: Moment | None = field("结束时间", None)
    min_seats: int | None = field("最少人数", None, ge=1, le=20)
    max_seats: int | None = field("最多人数", None, ge=1, le=20)
    supervisor: str | None = field("督导（备班）", None, max_length=60)
    status: Literal["open", "cancelled"] | None = field(
        "状态", None, widget="radio", choices={"open": "正常", "cancelled": "取消"})


class Assign(PortalForm):
    """安排志愿者"""

    volunteer_id: str = field("志愿者", min_length=1, max_length=40)
    override: bool = field("越过规则（记入操作记录）", False, widget="checkbox")


class VolunteerRef(PortalForm):
    """志愿者"""

    volunteer_id: str = field("志愿者", min_length=1, max_length=40)


class Served(PortalForm):
    """更正值班时间"""

    volunteer_id: str = field("志愿者", min_length=1, max_length=40)
    starts_at: Moment = field("实际开始")
    ends_at: Moment = field("实际结束")
    reason: str = field("更正原因", min_length=2, max_length=200)

