"""专家志愿者报名: the sign-up form of an expert volunteer (table `volunteers`).

Record: {id, status (pending|needs_info|approved|rejected), name, phone, email, organization, title,
roles (`visits` | `hotline`; absent in older records: visits only),
qualifications, years_experience, expertise, districts, availability, bio, public_profile,
consent, notice_version, note, created_at, updated_at, submission}.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from forms_api.errors import ApiError
from forms_api.forms import FormSpec
from forms_api.forms.fields import (
    CONSENT_LABEL,
    NO_STUDENT_DETAILS,
    Consent,
    Email,
    Mobile,
    PortalForm,
    Unique,
    WordList,
    check_choices,
    field,
)
from forms_api.schools.fields import SCHOOL_ID_LABEL, SchoolId

ExpertiseCode = Literal["awareness", "counseling", "crisis", "growth", "family", "career"]
EXPERTISE: dict[str, str] = {
    "awareness": "心理健康知识宣传",
    "counseling": "心理疏导",
    "crisis": "危机干预",
    "growth": "心理成长辅导",
    "family": "家庭教育指导",
    "career": "生涯规划",
}
check_choices(ExpertiseCode, EXPERTISE)

QualificationCode = Literal["counselor_cert", "school_counselor", "registered_psychologist",
                            "psychiatrist", "social_worker", "other"]
QUALIFICATIONS: dict[str, str] = {
    "counselor_cert": "心理咨询师证书",
    "school_counselor": "心理健康教育教师资格/心理辅导员资格",
    "registered_psychologist": "注册心理师",
    "psychiatrist": "精神科医师",
    "social_worker": "社会工作者(心理方向)",
    "other": "其他",
}
check_choices(QualificationCode, QUALIFICATIONS)

RoleCode = Literal["visits", "hotline"]
ROLES: dict[str, str] = {"visits": "专家进校园", "hotline": "热线值班"}
check_choices(RoleCode, ROLES)
#: Who may take hotline shifts; shown on this form and on the volunteer's own page.
HOTLINE_RULE = ("选择“热线值班”的志愿者，审核通过并参加热线接听培训签到后，"
                "即可在“我的值班”页面认领热线班次。")

MIN_YEARS = 3
CRITERIA = (
    "持有至少一项心理健康相关专业资质（“其他”不计）",
    f"有 {MIN_YEARS} 年以上心理健康相关工作经历",
)
District = Annotated[str, Field(min_length=1, max_length=20)]


class Volunteer(PortalForm):
    """专家志愿者报名"""

    name: str = field("姓名", min_length=2, max_length=20, autocomplete="name")
    phone: Mobile = field("手机号", widget="tel", inputmode="numeric", autocomplete="tel",
                          placeholder="例如 13800138000", help="只用于联系您，不会公开。")
    email: Email | None = field("电子邮箱", None, widget="email", inputmode="email",
                                autocomplete="email", help="可不填；不会公开。")
    organization: str = field("工作单位", min_length=2, max_length=60,
                              autocomplete="organization",
                              help="在学校工作的，可从学校名录中选择。")
    # Filled by the school picker when the 工作单位 is a school of the registry.
    school_id: SchoolId = field(SCHOOL_ID_LABEL, None, widget="hidden", max_length=40)
    title: str | None = field("职称/职务", None, max_length=30,
                              placeholder="例如 副主任医师、心理教研员")
    roles: Annotated[list[RoleCode], Unique] = field(
        "参加的志愿服务", ["visits"], widget="checkboxes", choices=ROLES, min_length=1,
        max_length=2, form_required=True, help="可多选，至少选一项。" + HOTLINE_RULE)
    qualifications: Annotated[list[QualificationCode], Unique] = field(
        "专业资质", widget="checkboxes", choices=QUALIFICATIONS, min_length=1, max_length=6,
        help="可多选，至少选一项；报名需要“其他”以外的资质。")
    years_experience: int = field("心理健康相关从业年限", widget="number", inputmode="numeric",
                                  ge=0, le=60, placeholder="例如 5", help="填整数，单位：年。")
    expertise: Annotated[list[ExpertiseCode], Unique] = field(
        "擅长领域", widget="checkboxes", choices=EXPERTISE, min_length=1, max_length=6,
        help="可多选，至少选一项。")
    districts: Annotated[list[District], WordList, Unique] = field(
        "可服务区县", [], max_length=20, help="可不填；多个区县用逗号或顿号分开。")
    availability: str | None = field("可服务时间", None, max_length=200,
                                     placeholder="例如 每周三下午")
    bio: str | None = field("个人简介", None, widget="textarea", max_length=1000,
                            help="专业背景与服务经历。" + NO_STUDENT_DETAILS)
    public_profile: bool = field("同意在“专家团队”页面公开姓名、职称、单位和擅长领域", False,
                                 widget="checkbox", help="手机号和邮箱从不公开。")
    consent: Consent = field(CONSENT_LABEL, widget="checkbox")


def unmet_criteria(form: Volunteer) -> list[str]:
    """The published eligibility criteria this applicant does not meet, in plain Chinese."""
    unmet = []
    if not [q for q in form.qualifications if q != "other"]:
        unmet.append(CRITERIA[0])
    if form.years_experience < MIN_YEARS:
        unmet.append(CRITERIA[1])
    return unmet


def check_eligible(form: Volunteer) -> None:
    """Refuse (422, naming the fields) an applicant who does not meet the published criteria."""
    unmet = unmet_criteria(form)
    if not unmet:
        return
    fields = {}
    if any("资质" in c for c in unmet):
        fields["qualifications"] = "需要至少一项“其他”以外的专业资质"
    if any("年" in c for c in unmet):
        fields["years_experience"] = f"需要 {MIN_YEARS} 年以上心理健康相关工作经历"
    raise ApiError(422, message="暂不符合报名条件：" + "；".join(unmet) + "。", fields=fields)


class Review(PortalForm):
    """审核志愿者"""

    status: Literal["approved", "rejected", "needs_info"] = field(
        "审核结果", widget="radio",
        choices={"approved": "通过", "rejected": "不通过", "needs_info": "请补充材料"})
    note: str | None = field("备注", None, max_length=500,
                             help="不通过时写原因、请补充材料时写明需要什么：会告知对方。")


VOLUNTEER_FORM = FormSpec("volunteers", Volunteer, "/api/volunteers", "volunteer/", "提交报名")
