"""Helpers the content checks share: the pages of a folder, a page's sections, case names."""

from __future__ import annotations

import re
from pathlib import Path

from forms_api.modules import front_matter
from forms_api.settings import PROJECT_ROOT

CONTENT = PROJECT_ROOT / "content"


def pages(folder: str) -> list[Path]:
    return sorted((CONTENT / folder).glob("*.md"))


def module_pages() -> list[Path]:
    return [p for p in pages("training") if "slug" in front_matter(p.read_text("utf-8"))]


def section(text: str, heading: str) -> str:
    """The body of one `## heading` section of a page's Markdown."""
    return text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]


CASE_NAME = re.compile(r"(?<!大)[小阿][\u4e00-\u9fff]")
# Common words that look like a 小X / 阿X nickname inside case text.
NOT_NAMES = frozenset({
    "小组", "小时", "小事", "小步", "小会", "小团", "小声", "小学", "小段", "小孩", "小伙", "小朋",
    "小心", "小数", "小点", "小些", "小型", "小队", "小卡", "小片", "小红", "小区", "小块", "小结",
    "小品", "小册", "小信", "小为", "小说", "小路", "小猫", "小狗", "小鸟", "小手", "小脸", "小脚",
    "小腿", "小吃", "小店", "小票", "小纸", "小本", "阿姨",
})


def case_names(text: str) -> set[str]:
    """The nicknames (小X, 阿X) used in a module's 案例与讨论 section."""
    if "## 案例与讨论" not in text:
        return set()
    return set(CASE_NAME.findall(section(text, "案例与讨论"))) - NOT_NAMES
