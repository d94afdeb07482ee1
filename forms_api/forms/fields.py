"""Shared field types and the `field()` helper that carries each control's Chinese metadata.

A form is one pydantic model. Everything a page needs to draw a control lives in the field's
JSON schema: `title` is the label, `description` the help text, and `x-` keys hold the rest
(`x-widget`, `x-placeholder`, `x-inputmode`, `x-autocomplete`, `x-choices`: [code, Chinese label]
pairs in order,
`x-pattern` for the browser). Validation, `/api/openapi.json` and the HTML all read it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

Widget = Literal["text", "tel", "email", "number", "textarea", "select", "radio",
                 "checkboxes", "checkbox", "date", "hidden"]


def field(
    label: str,
    default: Any = ...,
    *,
    help: str | None = None,
    widget: Widget | None = None,
    placeholder: str | None = None,
    inputmode: str | None = None,
    autocomplete: str | None = None,
    choices: dict[str, str] | None = None,
    pattern: str | None = None,
    form_required: bool | None = None,
    form_max_length: int | None = None,
    **constraints: Any,
) -> Any:
    """A pydantic Field whose schema carries the label, help and control hints."""
    extra: dict[str, Any] = {}
    for key, value in (("x-widget", widget), ("x-placeholder", placeholder),
                       ("x-inputmode", inputmode), ("x-autocomplete", autocomplete),
                       ("x-choices", [list(c) for c in choices.items()] if choices is not None
                        else None),
                       ("x-pattern", pattern),
                       ("x-form-required", form_required),
                       # What the page lets people type, when it is more than what is stored
                       # (a code typed `1234 5678` is cleaned to 8 digits before the check).
                       ("x-form-max-length", form_max_length)):
        if value is not None:
            extra[key] = value
    return Field(default, title=label, description=help, json_schema_extra=extra or None,
                 **constraints)


# Control characters other than tab and line breaks: nothing a person types, and a NUL or
# a form feed breaks spreadsheets (XLSX refuses them) and terminals.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def has_control(value: Any) -> bool:
    """Whether a text, or any text in a list, holds a control character."""
    if isinstance(value, str):
        return _CONTROL.search(value) is not None
    if isinstance(value, (list, tuple)):
        return any(has_control(v) for v in value)
    return False


def strip_control(text: str) -> str:
    """A stored text without control characters (for exports of records stored earlier)."""
    return _CONTROL.sub("", text)


class PortalForm(BaseModel):
    """Base of every form: unknown keys and control characters refused, strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if has_control(value):
            name = info.field_name or ""
            found = cls.model_fields.get(name)
            label = found.title if found is not None and found.title else name
            raise PydanticCustomError(
                "control_character", f"{label}含有看不见的控制字符（可能是从别处复制来的），"
                                     "请删掉后重新输入")
        return value

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        # "Empty optional strings count as absent": an empty required one is then "missing".
        if isinstance(data, dict):
            return {k: v for k, v in data.items()
                    if v is not None and not (isinstance(v, str) and not v.strip())}
        return data


def invalid(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


# ---- phones -----------------------------------------------------------------------------------

MOBILE_HELP = "请填写11位手机号，例如 13800138000"
_SEPARATORS = re.compile(r"[\s\-()（）]")
_MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")
_LANDLINE = re.compile(r"(0(?:[12]\d|[3-9]\d{2}))(\d{7,8})")


def half_width(value: Any) -> Any:
    """Full-width digits and signs (a Chinese keyboard's １３８－) as ASCII."""
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


def normalize_mobile(value: Any) -> str:
    """A mainland mobile number as 11 digits; spaces, hyphens and +86 are allowed around it."""
    if not isinstance(value, str):
        raise invalid("phone", MOBILE_HELP)
    match = _MOBILE.fullmatch(_SEPARATORS.sub("", half_width(value)))
    if not match:
        raise invalid("phone", MOBILE_HELP)
    return match[1]


def normalize_phone(value: Any) -> str:
    """A mobile number as 11 digits, or a landline as 0AREA-NUMBER (e.g. 0391-1234567)."""
    if isinstance(value, str):
        compact = _SEPARATORS.sub("", half_width(value))
        mobile = _MOBILE.fullmatch(compact)
        if mobile:
            return mobile[1]
        landline = _LANDLINE.fullmatch(compact)
        if landline:
            return f"{landline[1]}-{landline[2]}"
    raise invalid("phone", "请填写11位手机号或带区号的座机号，例如 13800138000 或 0391-1234567")


Mobile = Annotated[str, BeforeValidator(normalize_mobile), Field(max_length=20)]
Phone = Annotated[str, BeforeValidator(normalize_phone), Field(max_length=20)]

# ---- other shared types -------------------------------------------------------------------------

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def _check_email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise invalid("email", "请填写有效的电子邮箱，例如 name@example.com；没有可以不填")
    return value


Email = Annotated[str, AfterValidator(_check_email), Field(max_length=100)]


def _must_agree(value: bool) -> bool:
    if value is not True:
        raise invalid("consent", "请阅读《个人信息保护说明》并勾选同意后再提交")
    return value


Consent = Annotated[bool, AfterValidator(_must_agree)]
CONSENT_LABEL = "我已阅读并同意《个人信息保护说明》"

NO_STUDENT_DETAILS = "请不要填写学生姓名、班级或任何个案细节。"


def _split_words(value: Any) -> Any:
    """`districts=东区，西区` from one text box: each listed string split into words."""
    if not isinstance(value, list):
        return value
    words: list[Any] = []
    for part in value:
        if isinstance(part, str):
            words.extend(w for w in re.split(r"[,，、;；\s]+", part) if w)
        else:
            words.append(part)
    return words


WordList = BeforeValidator(_split_words)


def _dedupe(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


Unique = AfterValidator(_dedupe)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: Any) -> Any:
    """YYYY-MM-DD only: the format every page states."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise invalid("date", "请按 年-月-日 格式填写日期，例如 2026-12-07")


DateText = Annotated[dt.date, BeforeValidator(parse_date)]

# ---- choices ------------------------------------------------------------------------------------

def check_choices(kind: Any, labels: dict[str, str]) -> None:
    """Fail at import if a Literal and its Chinese labels disagree."""
    if set(get_args(kind)) != set(labels):
        raise RuntimeError(f"choices {sorted(labels)} differ from {get_args(kind)}")


def labels(codes: Any, names: Mapping[str, str]) -> str:
    """Codes as their Chinese labels, joined with 、 (an unknown code as itself)."""
    return "、".join(names.get(str(c), str(c)) for c in (codes or []))
