"""The registry's admin forms: one school (create or edit), a merge, a mapping."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, field_validator

from forms_api.forms.fields import PortalForm, field, invalid
from forms_api.schools.records import (
    ALIAS_MAX,
    ALIASES_MAX,
    DISTRICT_MAX,
    NAME_MAX,
    STAGES,
    StageCode,
    clean,
    code_problem,
    district_code_problem,
    normalise_code,
    split_aliases,
    stage_of,
)


def _code(value: Any) -> Any:
    code = normalise_code(value)
    if code is not None and (problem := code_problem(code)):
        raise invalid("school_code", problem)
    return code


def _district_code(value: Any) -> Any:
    code = normalise_code(value)
    if code is not None and (problem := district_code_problem(code)):
        raise invalid("district_code", problem)
    return code


def _stage(value: Any) -> Any:
    return stage_of(value) or value


Code = Annotated[str | None, BeforeValidator(_code)]
DistrictCode = Annotated[str | None, BeforeValidator(_district_code)]
Stage = Annotated[StageCode, BeforeValidator(_stage)]
Aliases = Annotated[list[str], BeforeValidator(split_aliases)]


class School(PortalForm):
    """学校"""

    code: Code = field("学校标识码", None, max_length=10, inputmode="numeric",
                       help="10 位数字；没有可以不填。")
    name: Annotated[str, BeforeValidator(clean)] = field("学校名称", min_length=2,
                                                         max_length=NAME_MAX)
    aliases: Aliases = field("别名", [], max_length=ALIASES_MAX,
                             help="大家常用的其他叫法，用顿号或逗号分开，例如 六中、市六中。")
    district: Annotated[str, BeforeValidator(clean)] = field("区县", min_length=2,
                                                             max_length=DISTRICT_MAX)
    district_code: DistrictCode = field("区县代码", None, max_length=6, inputmode="numeric",
                                        help="6 位行政区划代码；可不填。")
    stage: Stage = field("学段", widget="select", choices=STAGES)

    @field_validator("aliases")
    @classmethod
    def _short_aliases(cls, value: list[str]) -> list[str]:
        for alias in value:
            if len(alias) > ALIAS_MAX:
                raise invalid("alias", f"每个别名最多 {ALIAS_MAX} 个字：{alias[:20]}…")
        return value


class Merge(PortalForm):
    """合并学校"""

    absorbed_id: str = field("被合并的学校", min_length=1, max_length=40,
                             help="它的记录、名称和别名都归到保留的学校。")


class Mapping(PortalForm):
    """对应到学校"""

    text: str = field("填写的学校名称", min_length=1, max_length=100)
    school_id: str = field("对应的学校", min_length=1, max_length=40)


class Active(PortalForm):
    """停用或恢复"""

    active: bool = field("在用")
