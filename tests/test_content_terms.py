"""One term per concept, range marks and the phrases the reviewer struck out, across content/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from forms_api.settings import PROJECT_ROOT

CONTENT = PROJECT_ROOT / "content"
SNIPPETS = PROJECT_ROOT / "snippets"
# A variant the reviewer found beside the house term -> the term to use instead.
VARIANTS = {
    "暖身": "热身",
    "震荡期": "风暴期",
    "震荡阶段": "风暴阶段",
    "初始阶段": "初创阶段",
    "初始期": "初创期",
    "科任教师": "任课教师",
    "科任老师": "任课教师",
    "学科教师": "任课教师",
    "心理委员会": "心理委员（班级心理委员是个人角色，不是委员会）",
}
# Phrases the review struck out: awkward, or unsafe when talking about suicide.
STRUCK_OUT = ("保密不报", "十来分钟", "借一只耳朵", "解脱", "每次 1 小时", "每次1小时")
# A number range written with a hyphen, an ASCII tilde or a dash instead of ～.
_ASCII_RANGE = re.compile(r"(?<![\d.:/-])\d+ ?[-~–—] ?\d+ ?(?:分钟|人|岁|次|周|个|小时|天|课时|学时|年级)")
_PAGES = sorted(CONTENT.rglob("*.md")) + sorted(SNIPPETS.glob("*.md"))


def term_problems(text: str) -> list[str]:
    problems = [f"{variant} → {term}" for variant, term in VARIANTS.items() if variant in text]
    problems += [f"struck out: {phrase}" for phrase in STRUCK_OUT if phrase in text]
    problems += [f"range: {m.group()} (use ～)" for m in _ASCII_RANGE.finditer(text)]
    return problems


def test_term_check_finds_variants_phrases_and_ranges() -> None:
    text = "先做暖身，每组 5-6 人，约 10～15 分钟，班级心理委员会，让他得到解脱。2023-2025 年"
    assert term_problems(text) == ["暖身 → 热身",
                                   "心理委员会 → 心理委员（班级心理委员是个人角色，不是委员会）",
                                   "struck out: 解脱", "range: 5-6 人 (use ～)"]
    assert term_problems("热身活动，每组 5～6 人，任课教师参加") == []


@pytest.mark.parametrize("page", _PAGES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_one_term_per_concept_and_no_struck_phrases(page: Path) -> None:
    assert not term_problems(page.read_text("utf-8"))
