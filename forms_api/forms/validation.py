"""Validate a submission against its form and say, in Chinese, what to fix in every field."""

from __future__ import annotations

import functools
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from forms_api.errors import ApiError

FormT = TypeVar("FormT", bound=BaseModel)


@functools.cache
def properties(model: type[BaseModel]) -> dict[str, dict[str, Any]]:
    """The JSON schema of each field: label, help, limits and control hints."""
    props: dict[str, dict[str, Any]] = model.model_json_schema()["properties"]
    return props


def label_of(model: type[BaseModel], name: str) -> str:
    info = model.model_fields.get(name)
    return info.title if info is not None and info.title else name


def _message(model: type[BaseModel], error: ErrorDetails) -> str:
    kind = error["type"]
    loc = error["loc"]
    label = label_of(model, str(loc[0])) if loc else "提交内容"
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    widget = properties(model).get(str(loc[0]), {}).get("x-widget") if loc else None
    if kind == "missing":
        if widget in {"select", "radio"}:
            return f"请选择{label}"
        if widget == "checkboxes":
            return f"请至少选择一项{label}"
        if widget == "checkbox":
            return f"请勾选“{label}”"
        return f"请填写{label}"
    if kind == "extra_forbidden":
        return f"不接受这个字段：{loc[0] if loc else ''}"
    if kind in {"string_too_short"}:
        return f"{label}至少填写 {ctx.get('min_length')} 个字"
    if kind in {"string_too_long"}:
        return f"{label}最多填写 {ctx.get('max_length')} 个字"
    if kind == "too_short":
        return f"{label}请至少选择或填写 {ctx.get('min_length')} 项"
    if kind == "too_long":
        return f"{label}最多 {ctx.get('max_length')} 项"
    if kind in {"literal_error", "enum"}:
        return f"请从给出的选项中选择{label}"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return f"{label}请填写整数，例如 5"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        info = properties(model).get(str(loc[0]), {})
        low, high = info.get("minimum"), info.get("maximum")
        if low is not None and high is not None:
            return f"{label}请填写 {low} 到 {high} 之间的整数"
        return f"{label}超出允许的范围"
    if kind in {"bool_parsing", "bool_type"}:
        return f"{label}请勾选或不勾选"
    if kind in {"list_type", "string_type", "model_type", "dict_type"}:
        return f"{label}的格式不正确"
    if kind.startswith("value_error") or kind == "assertion_error":
        return error["msg"].removeprefix("Value error, ")
    if error["msg"] and not error["msg"].isascii():
        return error["msg"]  # our own Chinese errors
    return f"{label}的格式不正确"


def field_errors(model: type[BaseModel], exc: ValidationError) -> dict[str, str]:
    """One Chinese message per invalid field (the first problem found in it)."""
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        name = str(error["loc"][0]) if error["loc"] else "_"
        fields.setdefault(name, _message(model, error))
    return fields


def validate(model: type[FormT], data: Any, *, json: bool) -> FormT:
    """The validated form, or one 422 naming every invalid field.

    JSON is checked strictly (a number must be a number); form fields arrive as text and are
    converted (`on`/`true`/`1` fill booleans).
    """
    if not isinstance(data, dict):
        raise ApiError(422, message="提交的内容应为一个 JSON 对象，例如 {\"name\": \"王芳\"}。")
    try:
        # Strict for JSON. (A model-level before-validator makes pydantic validate in Python
        # mode, so dates and times are parsed by our own BeforeValidators.)
        return model.model_validate(data, strict=json)
    except ValidationError as exc:
        fields = field_errors(model, exc)
        if "_" in fields:
            raise ApiError(422, message=fields.pop("_"), fields=fields or None) from None
        raise ApiError(422, message=f"有 {len(fields)} 处需要修改：" + "；".join(fields.values()),
                       fields=fields) from None
