"""The forms of a person's own page: resubmission, profile, withdrawal, visit report, lookup."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator

from forms_api.forms import FormSpec
from forms_api.forms.fields import NO_STUDENT_DETAILS, Mobile, PortalForm, Unique, WordList, field, invalid
from forms_api.volunteers.forms import (
    EXPERTISE,
    QUALIFICATIONS,
    District,
    ExpertiseCode,
    QualificationCode,
)


def _must_confirm(value: bool) -> bool:
    if value is not True:
        raise invalid("confirm", "请勾选确认后再提交")
    return value


Confirmed = Annotated[bool, AfterValidator(_must_confirm)]


class Resubmission(PortalForm):
    """补充材料后重新提交"""

    organization: str = field("工作单位", min_length=2, max_length=60)
    title: str | None = field("职称/职务", None, max_length=30)
    qualifications: Annotated[list[QualificationCode], Unique] = field(
        "专业资质", widget="checkboxes", choices=QUALIFICATIONS, min_length=1, max_length=6)
    years_experience: int = field("心理健康相关从业年限", widget="number", inputmode="numeric",
                                  ge=0, le=60)
    expertise: Annotated[list[ExpertiseCode], Unique] = field(
        "擅长领域", widget="checkboxes", choices=EXPERTISE, min_length=1, max_length=6)
    bio: str | None = field("个人简介", None, widget="textarea", max_length=1000,
                            help="专业背景与服务经历；请写明教育局要求补充的内容。"
                                 + NO_STUDENT_DETAILS)
    reply: str | None = field("给审核人员的说明", None, widget="textarea", max_length=500,
                              help="可不填，例如“已补充资质证书编号”。")


class Profile(PortalForm):
    """公开资料与可服务时间"""

    title: str | None = field("职称/职务", None, max_length=30)
    districts: Annotated[list[District], WordList, Unique] = field(
        "可服务区县", [], max_length=20, help="多个区县用逗号或顿号分开；可不填。")
    availability: str | None = field("可服务时间", None, max_length=200,
                                     placeholder="例如 每周三下午")
    bio: str | None = field("个人简介", None, widget="textarea", max_length=1000,
                            help=NO_STUDENT_DETAILS)
    public_profile: bool = field("同意在“专家团队”页面公开姓名、职称、单位和擅长领域", False,
                                 widget="checkbox", help="手机号和邮箱从不公开。")


class Withdrawal(PortalForm):
    """退出专家志愿者"""

    confirm: Confirmed = field("我确认退出专家志愿者服务", widget="checkbox")


class Accept(PortalForm):
    """接受邀请"""

    booking_id: str = field("活动", max_length=40)


class Decline(PortalForm):
    """婉拒邀请"""

    booking_id: str = field("活动", max_length=40)
    reason: str = field("婉拒原因", widget="textarea", min_length=2, max_length=200,
                        help="教育局会看到，便于另行安排。")


class VisitReport(PortalForm):
    """活动情况报告"""

    booking_id: str = field("活动", max_length=40)
    delivered: Literal["yes", "no"] = field("活动是否已开展", widget="radio",
                                            choices={"yes": "已开展", "no": "未开展"})
    audience_size: int | None = field("实际参加人数", None, widget="number", ge=0, le=3000)
    hours: float | None = field("实际服务时长（小时）", None, widget="number", ge=0.5, le=8,
                                help="按实际服务时间填写，可填 0.5 的倍数。")
    notes: str | None = field("情况说明", None, widget="textarea", max_length=500,
                              help="简要说明活动情况。" + NO_STUDENT_DETAILS)


class Lookup(PortalForm):
    """找回学时记录"""

    phone: Mobile = field("手机号", widget="tel", inputmode="numeric", autocomplete="tel",
                          help="签到时填写的手机号。")
    name: str = field("姓名", min_length=2, max_length=20, autocomplete="name",
                      help="签到时填写的姓名。")


RESUBMIT_FORM = FormSpec("me_resubmit", Resubmission, "/me/resubmit/", "me/", "重新提交审核",
                         min_fill_seconds=0, public=False)
PROFILE_FORM = FormSpec("me_profile", Profile, "/me/profile/", "me/", "保存", min_fill_seconds=0,
                        public=False)
LOOKUP_FORM = FormSpec("me_lookup", Lookup, "/me/lookup/", "me/lookup/", "取得链接",
                       min_fill_seconds=0)
