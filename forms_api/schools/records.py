"""The school registry (table `schools`): the record, stages, 学校标识码, matching keys.

Record: {id, code (学校标识码, 10 digits, or null), name, aliases (list), district,
district_code, stage (the booking form's stage codes), active, merged_into (the id of the
school it was merged into, or null), created_at, updated_at}. Attendance and booking records
carry `school_id` (or null).

A 学校标识码 is checked as far as its published structure allows: its first two digits give
the school type (`SCHOOL_TYPES`), the next two the province (GB/T 2260). Names are matched
after `key()`: NFKC (full-width letters and digits as half-width), no spaces, case folded.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal

from forms_api.forms.fields import check_choices
from forms_api.storage import Database

SCHOOLS = "schools"

#: The booking form's stage codes (bookings import them from here), with their labels.
StageCode = Literal["primary", "junior", "senior", "nine_year", "twelve_year", "vocational",
                    "special"]
STAGES: dict[str, str] = {
    "primary": "小学", "junior": "初中", "senior": "高中", "nine_year": "九年一贯制",
    "twelve_year": "十二年一贯制", "vocational": "中职", "special": "特殊教育学校",
}
check_choices(StageCode, STAGES)

#: School types by the first two digits of the 学校标识码: only those we are sure of.
SCHOOL_TYPES: dict[str, str] = {"21": "小学", "31": "初中", "34": "高中", "51": "特殊教育学校"}
#: The stage a school type implies, when the spreadsheet leaves 学段 empty.
TYPE_STAGES: dict[str, str] = {"21": "primary", "31": "junior", "34": "senior", "51": "special"}
#: Province codes (GB/T 2260): the 3rd and 4th digits of a 学校标识码.
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82"})

NAME_MAX, DISTRICT_MAX, ALIAS_MAX, ALIASES_MAX = 60, 20, 60, 20
_SPACES = re.compile(r"\s+")
_ALIAS_SPLIT = re.compile(r"[、,，;；\n]+")
_CODE = re.compile(r"\d{10}")
_DISTRICT_CODE = re.compile(r"\d{6}")


def key(text: Any) -> str:
    """What two spellings of one name share: NFKC, no spaces, case folded."""
    if not isinstance(text, str):
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).casefold()


def clean(text: Any) -> str:
    """A name as stored: NFKC (full-width letters and digits half-width), spaces collapsed."""
    if not isinstance(text, str):
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def split_aliases(value: Any) -> list[str]:
    """Aliases from one cell or field: separated by 、 or commas (also ； and new lines)."""
    if isinstance(value, list):
        parts = [p for v in value for p in _ALIAS_SPLIT.split(clean_text(v))]
    else:
        parts = _ALIAS_SPLIT.split(clean_text(value))
    return list(dict.fromkeys(c for p in parts if (c := clean(p))))


def clean_text(value: Any) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value))


def code_problem(code: str) -> str | None:
    """Why `code` is not a 学校标识码 (in Chinese), or None when it is one."""
    if not _CODE.fullmatch(code):
        return "学校标识码应为 10 位数字"
    if code[:2] not in SCHOOL_TYPES:
        known = "、".join(f"{k} {v}" for k, v in SCHOOL_TYPES.items())
        return f"学校标识码前两位是学校类型（{known}），{code[:2]} 不是已知类型"
    if code[2:4] not in PROVINCES:
        return f"学校标识码第 3–4 位是省份代码，{code[2:4]} 不是省份代码"
    return None


def normalise_code(value: Any) -> str | None:
    """A typed code as digits (full-width digits and spaces allowed), or None when blank."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _SPACES.sub("", clean_text(value))
    return text or None


def district_code_problem(code: str) -> str | None:
    return None if _DISTRICT_CODE.fullmatch(code) else "区县代码应为 6 位数字"


def stage_of(value: Any) -> str | None:
    """A stage as its code, from the code itself or its Chinese label (`初中`)."""
    text = key(value)
    for code, label in STAGES.items():
        if text in (code, key(label)):
            return code
    if text in ("特教", "特殊教育"):
        return "special"
    return None


def public(school: dict[str, Any]) -> dict[str, Any]:
    """A school as the public search shows it (the contract's fields only)."""
    return {k: school.get(k) for k in ("id", "code", "name", "district", "stage")}


def admin_view(school: dict[str, Any]) -> dict[str, Any]:
    """A school as the admin list shows it."""
    return {"id": school["id"], "code": school.get("code"), "name": school.get("name"),
            "aliases": list(school.get("aliases") or []), "district": school.get("district"),
            "district_code": school.get("district_code"), "stage": school.get("stage"),
            "active": bool(school.get("active", True)),
            "merged_into": school.get("merged_into"),
            "created_at": school.get("created_at"), "updated_at": school.get("updated_at")}


def order(school: dict[str, Any]) -> tuple[str, str, str]:
    return (str(school.get("district") or ""), str(school.get("name") or ""), str(school["id"]))


def all_schools(db: Database) -> list[dict[str, Any]]:
    """Every entry, by district and name."""
    return sorted(db.table(SCHOOLS).all(), key=order)


def current(school: dict[str, Any]) -> bool:
    """An entry forms may link to: active and not merged into another."""
    return bool(school.get("active", True)) and not school.get("merged_into")


#: Longest chain of merges followed; a longer one (or a loop) is treated as unknown.
MAX_MERGES = 50


def follow_merges(by_id: dict[str, dict[str, Any]], school_id: Any) -> dict[str, Any] | None:
    """The entry `school_id` names, merges followed; None when unknown or a loop."""
    school = by_id.get(school_id) if isinstance(school_id, str) else None
    for _ in range(MAX_MERGES):
        if school is None or not school.get("merged_into"):
            return school
        school = by_id.get(school["merged_into"])
    return None
