"""培训签到: the check-in form a teacher fills at the venue (table `attendance`).

Record: {id, session_id, name, school, phone, district, subject, consent, notice_version,
checked_in_at, submission}. One record per (session_id, phone).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator

from forms_api.forms._fields import CONSENT_LABEL, Mobile, PortalForm, field, half_width

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
