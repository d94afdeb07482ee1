"""One term per concept, range marks and the phrases the reviewer struck out, across content/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from forms_api.settings import PROJECT_ROOT
from tests.content_support import CASE_NAME, NOT_NAMES, case_names, module_pages

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
# A year in running text is spaced like the rest of the site (2023 年); official titles in
# 《》 and document numbers in 〔〕 keep their own spelling.
_UNSPACED_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?:—(?:19|20)\d\d)?年")
_OWN_SPELLING = re.compile(r"《[^》]*》|〔[^〕]*〕")
# The 2012 Outline's activity forms, in its own words and order.
OUTLINE_FORMS = re.compile(r"团体辅导(?:\]\([^)]*\))?、心理训练、问题辨析、情境设计、角色扮演、游戏辅导、"
                           r"心理情景剧、专题讲座")
NOTICE_2021 = "教思政厅函〔2021〕10号"
# The one screen-off rule before bed used across pages.
SCREEN_OFF = "30 分钟"
_BEDTIME_SCREEN = re.compile(r"(?:睡前|上床前|睡觉前|入睡前) ?((?:\d+|[一两半]) ?个?(?:分钟|小时))"
                             r"(?=[^。；\n]{0,12}(?:手机|屏幕|电视|平板|电子))")


def term_problems(text: str) -> list[str]:
    problems = [f"{variant} → {term}" for variant, term in VARIANTS.items() if variant in text]
    problems += [f"struck out: {phrase}" for phrase in STRUCK_OUT if phrase in text]
    problems += [f"range: {m.group()} (use ～)" for m in _ASCII_RANGE.finditer(text)]
    problems += [f"screens off {m.group(1)} before bed (the rule is {SCREEN_OFF})"
                 for m in _BEDTIME_SCREEN.finditer(text) if m.group(1) != SCREEN_OFF]
    problems += [f"year: {m.group()} (write 2023 年)"
                 for m in _UNSPACED_YEAR.finditer(_OWN_SPELLING.sub("", text))]
    return problems


def test_term_check_finds_variants_phrases_and_ranges() -> None:
    text = "先做暖身，每组 5-6 人，约 10～15 分钟，班级心理委员会，让他得到解脱。2023-2025 年"
    assert term_problems(text) == ["暖身 → 热身",
                                   "心理委员会 → 心理委员（班级心理委员是个人角色，不是委员会）",
                                   "struck out: 解脱", "range: 5-6 人 (use ～)"]
    assert term_problems("热身活动，每组 5～6 人，任课教师参加") == []
    assert term_problems("睡前一小时放下手机；睡前 30 分钟关掉平板；睡前读 20 分钟书") == [
        "screens off 一小时 before bed (the rule is 30 分钟)"]
    assert term_problems("2023年发布的《行动计划（2023—2025年）》，〔2012年〕") == [
        "year: 2023年 (write 2023 年)"]


@pytest.mark.parametrize("page", _PAGES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_one_term_per_concept_and_no_struck_phrases(page: Path) -> None:
    assert not term_problems(page.read_text("utf-8"))


def test_the_2012_outline_forms_are_quoted_in_its_words() -> None:
    for page in ("training/policy.md", "training/group-counseling.md"):
        assert OUTLINE_FORMS.search((CONTENT / page).read_text("utf-8")), page


def test_pages_citing_the_2021_notice_give_its_number() -> None:
    citing = [p for p in _PAGES if "心理健康管理工作的通知" in p.read_text("utf-8")
              or "心理健康管理通知" in p.read_text("utf-8")]
    assert citing, "the 2021 notice is cited somewhere"
    missing = [str(p.relative_to(CONTENT)) for p in citing if NOTICE_2021 not in p.read_text("utf-8")]
    assert not missing, f"name the notice {NOTICE_2021} on {missing}"


def _teaches_confidentiality_limits(text: str) -> bool:
    return "突破保密" in text or "不承诺保密" in text or "保密的限度" in text


def test_modules_teaching_confidentiality_limits_state_the_reporting_duty() -> None:
    """Where a training module teaches when confidentiality gives way, it also states the
    mandatory reporting duty of 未成年人保护法 第十一条."""
    modules = sorted((CONTENT / "training").glob("*.md"))
    teaching = [p for p in modules if _teaches_confidentiality_limits(p.read_text("utf-8"))]
    assert len(teaching) >= 3
    missing = [p.stem for p in teaching if "第十一条" not in p.read_text("utf-8")]
    assert not missing, f"state the 第十一条 reporting duty on {missing}"


def test_example_names_outside_modules_differ_from_the_modules_case_names() -> None:
    """Dialogues and examples on guidance, activity and help pages use their own names."""
    in_cases: dict[str, str] = {}
    for page in module_pages():
        for name in case_names(page.read_text("utf-8")):
            in_cases.setdefault(name, page.stem)
    modules = set(module_pages())
    shared = [f"{name}: {page.relative_to(CONTENT)} and {in_cases[name]}"
              for page in _PAGES if page not in modules
              for name in sorted(set(CASE_NAME.findall(page.read_text("utf-8"))) - NOT_NAMES)
              if name in in_cases]
    assert not shared, f"fictional names must differ across pages: {shared}"
