"""The statistics' one form: the bureau's targets."""

from __future__ import annotations

from forms_api.forms.fields import PortalForm, field


class Targets(PortalForm):
    """统计目标（留空表示不设目标）"""

    coverage: float | None = field("培训覆盖学校比例（%）", None, gt=0, le=100,
                                   help="大于 0、不超过 100，如 95", widget="number")
    visit_coverage: float | None = field("专家进校覆盖学校比例（%）", None, gt=0, le=100,
                                         help="大于 0、不超过 100", widget="number")
    teachers: int | None = field("参训教师人数（人）", None, gt=0, le=1_000_000,
                                 help="整数", widget="number")
    hours_per_teacher: float | None = field("人均培训学时", None, gt=0, le=1000,
                                            help="大于 0、不超过 1000", widget="number")
