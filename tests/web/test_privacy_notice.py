"""The privacy notice promises what the portal actually does."""

from __future__ import annotations

import re

from forms_api.modules import front_matter
from forms_api.settings import PROJECT_ROOT, Settings

NOTICE = PROJECT_ROOT / "content/privacy.md"

# Row label in the notice's retention table -> the setting that enforces it.
RETENTION_ROWS = {
    "培训签到记录": "retention_attendance_days",
    "专家志愿者报名": "retention_volunteers_days",
    "进校园预约": "retention_bookings_days",
    "后台操作日志": "retention_audit_days",
}


def _retention_rows() -> dict[str, str]:
    text = NOTICE.read_text(encoding="utf-8")
    table = text.split("## 保存多久", 1)[1].split("\n## ", 1)[0]
    return {cells[0]: cells[1] for cells in
            ([c.strip() for c in line.strip("|").split("|")] for line in table.splitlines()
             if line.startswith("|") and "---" not in line)}


def test_retention_periods_match_the_default_settings() -> None:
    rows = _retention_rows()
    defaults = Settings()
    for label, setting in RETENTION_ROWS.items():
        years = getattr(defaults, setting) / 365
        assert years == int(years), setting
        assert re.search(rf"(?<!\d){int(years)} 年", rows[label]), (label, rows[label], years)


def test_notice_has_a_version_and_the_required_parts() -> None:
    text = NOTICE.read_text(encoding="utf-8")
    assert front_matter(text)["version"]
    for heading in ("谁在处理你的信息", "收集什么、为什么收集", "保存多久", "你的权利"):
        assert f"## {heading}" in text, heading
    assert "学生" in text and "不收集" in text
