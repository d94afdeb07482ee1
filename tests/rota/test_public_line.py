"""The city's own hotline beside 12356: the build hook, the help line and the help box."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms_api.build import build_site
from forms_api.settings import Settings
from hooks.hotline import add_to_help_box, local_line

LINE = {"PORTAL_HOTLINE_NAME": "市学生心理援助热线", "PORTAL_HOTLINE_NUMBER": "0530-1234567",
        "PORTAL_HOTLINE_HOURS": "24小时"}


def test_the_line_needs_all_three_settings() -> None:
    assert local_line(Settings.from_env({})) is None
    assert local_line(Settings.from_env({**LINE, "PORTAL_HOTLINE_HOURS": ""})) is None
    assert local_line(Settings.from_env(LINE)) == {
        "name": "市学生心理援助热线", "number": "0530-1234567", "hours": "24小时"}
    with pytest.raises(SystemExit, match="PORTAL_HOTLINE_NUMBER"):
        Settings.from_env({"PORTAL_HOTLINE_NUMBER": "call us"})


def test_the_help_box_of_a_built_page_is_unchanged_without_the_line(built_site: Path) -> None:
    html = (built_site / "training" / "policy" / "index.html").read_text(encoding="utf-8")
    assert add_to_help_box(html, None) == html
    added = add_to_help_box(html, {"name": "<b>市热线</b>", "number": "0530-1234567",
                                   "hours": "24小时"})
    assert added.count("0530-1234567") == 1 and "&lt;b&gt;市热线&lt;/b&gt;" in added
    assert added.index("12356</strong>") < added.index("0530-1234567")
    assert "0530-1234567" not in html


def test_a_build_with_the_line_shows_it_beside_12356(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in LINE.items():
        monkeypatch.setenv(key, value)
    site = build_site(tmp_path / "site")
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "本市市学生心理援助热线 <strong>0530-1234567</strong>（24小时）" in home
    policy = (site / "training" / "policy" / "index.html").read_text(encoding="utf-8")
    assert "<li><strong>市学生心理援助热线（本市） 0530-1234567</strong>：24小时服务" in policy
