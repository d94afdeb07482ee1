"""Draw a form as HTML from its declaration: at build time (MkDocs hook) and when serving.

The same function renders the empty form into its page and, for a browser without
JavaScript, the form again with what was typed and every error next to its field. Every
value is escaped. The page regions it fills are marked `<!--portal:form NAME-->…<!--/portal:form-->`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from typing import Any

from forms_api.forms import HONEYPOT, TOKEN, Choices, FormSpec
from forms_api.forms.validation import properties

OFFLINE_NOTE = ("本表单需要在线提交：当前打开的是离线副本，请连上网络后在本站网址上填写。")


def with_address(text: str, site_url: str | None) -> str:
    """An offline note that names the site's address when it is known (`PORTAL_SITE_URL`)."""
    return text.replace("本站网址上", f"本站网址（{site_url}）上") if site_url else text
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"
TALLY = re.compile(r"有 \d+ 处需要修改")  # the validation message, which lists every field


def _attrs(**attrs: Any) -> str:
    out = []
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        out.append(f" {name}" if value is True else f' {name}="{escape(str(value))}"')
    return "".join(out)


def _unwrap(prop: dict[str, Any]) -> dict[str, Any]:
    """An optional field's schema is anyOf [the type, null]: take the type."""
    for option in prop.get("anyOf", ()):
        if option.get("type") != "null":
            return {**option, **{k: v for k, v in prop.items() if k != "anyOf"}}
    return prop


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in {"on", "true", "1", "yes"}


class _Field:
    def __init__(self, spec: FormSpec, name: str, prop: dict[str, Any], required: bool) -> None:
        self.name = name
        self.prop = _unwrap(prop)
        self.id = f"f-{spec.name}-{name}"
        self.label = str(self.prop.get("title", name))
        self.help = self.prop.get("description")
        self.required = required or bool(self.prop.get("x-form-required"))
        kind = self.prop.get("type")
        self.widget = self.prop.get("x-widget") or ("number" if kind == "integer" else "text")

    def described_by(self, error: str | None) -> str | None:
        ids = ([f"{self.id}-help"] if self.help else []) + ([f"{self.id}-error"] if error else [])
        return " ".join(ids) or None

    def text_attrs(self) -> dict[str, Any]:
        prop = self.prop
        attrs: dict[str, Any] = {
            "required": self.required,
            "minlength": prop.get("minLength"),
            "maxlength": prop.get("x-form-max-length", prop.get("maxLength")),
            "pattern": prop.get("x-pattern"),
            "inputmode": prop.get("x-inputmode"),
            "autocomplete": prop.get("x-autocomplete"),
            "placeholder": prop.get("x-placeholder"),
        }
        if self.widget == "number":
            low, high = prop.get("minimum", 0), prop.get("maximum")
            attrs.update(inputmode="numeric", pattern="[0-9]*" if low >= 0 else None,
                         maxlength=len(str(high)) if high is not None else None)
        return attrs


def _label(field: _Field, privacy: str, tag: str = "label") -> str:
    text = escape(field.label)
    if "《个人信息保护说明》" in field.label:
        text = text.replace("《个人信息保护说明》",
                            f'<a href="{escape(privacy)}">《个人信息保护说明》</a>')
    mark = ' <span class="portal-field__req" aria-hidden="true">*</span>' if field.required else ""
    target = f' for="{field.id}"' if tag == "label" else ""
    return f"<{tag}{target}>{text}{mark}</{tag}>"


def _help(field: _Field) -> str:
    if not field.help:
        return ""
    return f'<p class="portal-field__help" id="{field.id}-help">{escape(field.help)}</p>'


def _error(field: _Field, error: str | None) -> str:
    hidden = "" if error else " hidden"
    return (f'<p class="portal-field__error" id="{field.id}-error" data-error-for="{field.name}"'
            f"{hidden}>{escape(error or '')}</p>")


def _options(choices: Choices, selected: list[str], blank: str | None) -> str:
    out = [f'<option value="">{escape(blank)}</option>'] if blank is not None else []
    for code, label in choices:
        sel = " selected" if code in selected else ""
        out.append(f'<option value="{escape(code)}"{sel}>{escape(label)}</option>')
    return "".join(out)


def _control(field: _Field, value: Any, error: str | None, privacy: str,
             choices: Choices | None) -> str:
    invalid = "true" if error else None
    described = field.described_by(error)
    common = {"aria_invalid": invalid, "aria_describedby": described}
    w = field.widget
    if w == "hidden":  # filled by the page's script, not by the person
        return f'<input{_attrs(type="hidden", name=field.name, value="" if value is None else str(value))}>'
    if w in {"radio", "checkboxes"}:
        kind = "radio" if w == "radio" else "checkbox"
        selected = _as_list(value)
        items = []
        for n, (code, label) in enumerate(choices or ()):
            checked = code in selected
            items.append(
                f'<label class="portal-choice"><input{_attrs(type=kind, name=field.name, value=code, id=f"{field.id}-{n}", checked=checked, required=field.required and kind == "radio", **common)}>'
                f"<span>{escape(label)}</span></label>")
        return (f'<fieldset class="portal-field portal-field--{w}" data-field="{field.name}"'
                f'{_attrs(aria_describedby=described)}>'
                f'{_label(field, privacy, "legend")}{_help(field)}'
                f'<div class="portal-choices">{"".join(items)}</div>{_error(field, error)}</fieldset>')
    if w == "checkbox":
        control = (f'<input{_attrs(type="checkbox", name=field.name, value="on", id=field.id, checked=_truthy(value), required=field.required, **common)}>')
        return (f'<div class="portal-field portal-field--checkbox" data-field="{field.name}">'
                f'<div class="portal-choice">{control}{_label(field, privacy)}</div>'
                f"{_help(field)}{_error(field, error)}</div>")
    if w == "date":
        # A list of dates: up to maxItems pickers, the first required; choices when served.
        values = _as_list(value)
        count = int(field.prop.get("maxItems", 1))
        controls = []
        for n in range(count):
            current = values[n] if n < len(values) else ""
            ident = field.id if n == 0 else f"{field.id}-{n}"
            required = field.required and n == 0
            aria = f"{field.label} 第 {n + 1} 个（{'必选' if required else '可不选'}）"
            if choices is not None:
                controls.append(
                    f'<select{_attrs(name=field.name, id=ident, required=required, aria_label=aria, **common)}>'
                    f'{_options(choices, [current], "请选择日期" if required else "（可不选）")}</select>')
            else:
                controls.append(
                    f'<input{_attrs(type="text", name=field.name, id=ident, value=current, required=required, pattern=DATE_PATTERN, maxlength=10, placeholder=field.prop.get("x-placeholder"), aria_label=aria, **common)}>')
        return (f'<fieldset class="portal-field portal-field--dates" data-field="{field.name}"'
                f'{_attrs(aria_describedby=described)}>'
                f'{_label(field, privacy, "legend")}{_help(field)}'
                f'<div class="portal-dates">{"".join(controls)}</div>{_error(field, error)}</fieldset>')
    if w == "select":
        selected = _as_list(value)
        blank = "请选择" if field.required else "（不指定）"
        control = (f'<select{_attrs(name=field.name, id=field.id, required=field.required, **common)}>'
                   f"{_options(choices or (), selected, blank)}</select>")
    elif w == "textarea":
        attrs = field.text_attrs()
        control = (f'<textarea{_attrs(name=field.name, id=field.id, rows=4, **attrs, **common)}>'
                   f"{escape(str(value or ''))}</textarea>")
    else:
        kind = {"tel": "tel", "email": "email"}.get(w, "text")
        shown = "，".join(_as_list(value)) if field.prop.get("type") == "array" else (
            "" if value is None else str(value))
        control = (f'<input{_attrs(type=kind, name=field.name, id=field.id, value=shown, **field.text_attrs(), **common)}>')
    return (f'<div class="portal-field" data-field="{field.name}">{_label(field, privacy)}'
            f"{_help(field)}{control}{_error(field, error)}</div>")


def _summary_item(spec: FormSpec, name: str, text: str, link: bool) -> str:
    """A summary line that takes the reader to the field (its first box for a group)."""
    prop = properties(spec.model).get(name)
    if prop is None or not link:
        return f"<li>{escape(text)}</li>"
    field = _Field(spec, name, prop, False)
    target = f"{field.id}-0" if field.widget in {"radio", "checkboxes"} else field.id
    return f'<li><a href="#{escape(target)}">{escape(text)}</a></li>'


def render_form(
    spec: FormSpec,
    *,
    privacy: str = "/privacy/",
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    message: str | None = None,
    action: str | None = None,
    token: str = "",
    choices: Mapping[str, Choices] | None = None,
    online: bool = False,
    site_url: str | None = None,
    links: bool = True,
) -> str:
    """The `<form>` of `spec`; `online` drops the note shown in the offline copy.

    `links` makes the error summary link each field (off where a `<base>` would send the
    link to another page).

    `privacy` is the link to the privacy notice (relative in the built page, so it also works
    from file://).
    """
    name = spec.name
    model = spec.model
    values = values or {}
    every_error = dict(errors or {})
    errors = dict(every_error)  # what is left once each field has taken its own
    choices = choices or {}
    required = set(model.model_json_schema().get("required", ()))
    parts = []
    for field_name, prop in properties(model).items():
        field = _Field(spec, field_name, prop, field_name in required)
        options = choices.get(field_name)
        if options is None and "x-choices" in field.prop:
            options = [(str(c), str(label)) for c, label in field.prop["x-choices"]]
        parts.append(_control(field, values.get(field_name), errors.pop(field_name, None), privacy,
                              options))
    summary = ""
    if message or every_error:
        items = "".join(_summary_item(spec, name, text, links)
                        for name, text in every_error.items())
        if every_error and (not message or TALLY.match(message)):
            message = f"有 {len(every_error)} 处需要修改："  # the list below says what
        summary = f"<p>{escape(message or '请修改以下内容后再提交。')}</p>" + (
            f"<ul>{items}</ul>" if items else "")
    offline = "" if online else f'<p class="portal-form__offline" data-portal-offline>{escape(with_address(OFFLINE_NOTE, site_url))}</p>'
    form_action = action or spec.action
    return (
        f'<form class="portal-form"{_attrs(method="post", action=form_action, data_portal_form=name, accept_charset="utf-8")}>'
        f"{offline}"
        # autofocus: a page answering a POST opens at the top; this brings the errors on screen
        # (and to screen readers) without JavaScript.
        f'<div class="portal-form__summary" data-portal-summary role="alert" tabindex="-1"'
        f'{" autofocus" if summary else ""}>{summary}</div>'
        f"{''.join(parts)}"
        f'<div class="portal-hp" aria-hidden="true"><label for="f-{name}-{HONEYPOT}">请勿填写此项</label>'
        f'<input{_attrs(type="text", name=HONEYPOT, id=f"f-{name}-{HONEYPOT}", tabindex="-1", autocomplete="off", value=str(values.get(HONEYPOT) or ""))}></div>'
        f'<input{_attrs(type="hidden", name=TOKEN, value=token)}>'
        f'<div class="portal-form__actions"><button type="submit" class="md-button md-button--primary">{escape(spec.submit)}</button></div>'
        f'<div class="portal-form__receipt" data-portal-receipt aria-live="polite" tabindex="-1"></div>'
        f"</form>"
    )


# ---- marked regions in pages -------------------------------------------------------------------

MARKER = re.compile(r"<!--\s*portal:(?P<kind>form|slot)\s+(?P<name>[a-z_]+)\s*-->")


def region(kind: str, name: str, inner: str) -> str:
    return f"<!--portal:{kind} {name}-->{inner}<!--/portal:{kind}-->"


def replace_region(html: str, kind: str, name: str, inner: str) -> str:
    """Put `inner` into the region `kind name` of a built page; fail if the page lacks it."""
    pattern = re.compile(rf"<!--portal:{kind} {re.escape(name)}-->.*?<!--/portal:{kind}-->", re.S)
    new, count = pattern.subn(lambda _: region(kind, name, inner), html, count=1)
    if count != 1:
        raise LookupError(f"the page has no region portal:{kind} {name}")
    return new
