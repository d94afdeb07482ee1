"""The module-page hook: 学时/audience line and objectives rendered from the front matter."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from mkdocs.exceptions import PluginError

from forms_api.modules import Module, load_modules
from forms_api.settings import PROJECT_ROOT
from hooks.module_pages import SECTION, on_page_markdown, render

CONTENT = PROJECT_ROOT / "content"
PAGE = """# 示例模块

导语。

## 学习目标

时间分配建议：讲授约 20 分钟。

## 核心内容

正文。
"""


def _module(**overrides: Any) -> Module:
    values: dict[str, Any] = {
        "slug": "sample", "title": "示例模块", "hours": 1.5, "audience": ("班主任", "心理教师"),
        "objectives": ("说出三个要点", "能够完成一次练习"), "updated": dt.date(2026, 12, 2),
        "path": Path("sample.md")}
    values.update(overrides)
    return Module(**values)


def test_render_puts_the_meta_line_under_the_title_and_the_objectives_in_their_section() -> None:
    out = render(PAGE, _module(), "training/sample.md")
    title, rest = out.split("\n", 1)
    assert title == "# 示例模块"
    assert rest.lstrip().startswith('<p class="module-meta"><span>学时：1.5</span>'
                                    "<span>对象：班主任、心理教师</span><span>更新：2026-12-02</span></p>")
    section = out.split(f"## {SECTION}\n", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^\d\. (.+)$", section, re.MULTILINE) == ["说出三个要点", "能够完成一次练习"]
    assert section.index("能够完成一次练习") < section.index("时间分配建议")  # prose follows
    assert "## 核心内容\n\n正文。" in out


def test_render_writes_whole_hours_without_a_decimal() -> None:
    assert "<span>学时：2</span>" in render(PAGE, _module(hours=2.0), "training/sample.md")


@pytest.mark.parametrize(("markdown", "message"), [
    (PAGE.replace("时间分配建议：讲授约 20 分钟。", "1. 手写的目标"), "by hand"),
    (PAGE.replace("时间分配建议：讲授约 20 分钟。", "- 手写的目标"), "by hand"),
    (PAGE.replace("## 学习目标", "## 目标"), "lacks"),
    (PAGE.replace("# 示例模块\n", ""), "no '# ' title"),
])
def test_render_fails_loudly_on_a_page_it_cannot_fill(markdown: str, message: str) -> None:
    with pytest.raises(PluginError, match=message):
        render(markdown, _module(), "training/sample.md")


def _page(path: Path, meta: dict[str, Any]) -> Any:
    src_uri = f"training/{path.name}"
    return SimpleNamespace(meta=meta, file=SimpleNamespace(src_uri=src_uri,
                                                           abs_src_path=str(path)))


def test_hook_fails_the_build_on_malformed_front_matter(tmp_path: Path) -> None:
    page = tmp_path / "bad.md"
    page.write_text("---\nslug: bad\ntitle: 坏\nhours: 2\naudience: 班主任\n"
                    "objectives: [目标]\nupdated: 2026-12-02\n---\n\n" + PAGE, encoding="utf-8")
    with pytest.raises(PluginError, match="audience must be a non-empty list"):
        on_page_markdown(PAGE, _page(page, {"slug": "bad"}), None, None)  # type: ignore[arg-type]


def test_hook_leaves_pages_that_are_not_modules_alone(tmp_path: Path) -> None:
    page = _page(tmp_path / "schedule.md", {"title": "培训安排"})
    assert on_page_markdown("# 培训安排\n", page, None, None) == "# 培训安排\n"  # type: ignore[arg-type]


@pytest.mark.parametrize("slug", sorted(load_modules(CONTENT)))
def test_built_module_page_shows_hours_audience_and_each_objective_once(
        built_site: Path, slug: str) -> None:
    module = load_modules(CONTENT)[slug]
    html = (built_site / "training" / slug / "index.html").read_text(encoding="utf-8")
    assert f"<span>学时：{module.hours:g}</span>" in html
    assert f"<span>对象：{'、'.join(module.audience)}</span>" in html
    for objective in module.objectives:
        assert html.count(f"<li>{objective}</li>") == 1, objective
    assert html.count('<details class="note">\n<summary>讨论要点</summary>') >= 1
