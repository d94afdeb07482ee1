"""The audit log (table `audit_log`): who changed, exported or deleted what, and when.

Entry: {id, at, actor, action, target, detail}. `target` is a collection and a record id
(`bookings/01J…`) or a collection alone; `detail` holds only codes, counts and filter names
(`{"from": "requested", "to": "confirmed"}`, `{"rows": 12, "status": "approved"}`), never a
name, phone, e-mail or free text, so the log can be kept longer than the data it describes.
Call `record()` inside the transaction that makes the change: both are kept, or neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forms_api import clock
from forms_api.storage import Database, new_id

TABLE = "audit_log"
# Detail values are short codes or numbers; anything else would risk copying personal data.
_ALLOWED_DETAIL = (str, int, float, bool, type(None))
_MAX_TEXT = 40


def _clean(detail: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in detail.items():
        if not isinstance(value, _ALLOWED_DETAIL):
            raise TypeError(f"audit detail {key!r} must be a code or a number, got {type(value)}")
        if isinstance(value, str) and len(value) > _MAX_TEXT:
            raise ValueError(f"audit detail {key!r} is too long to be a code")
        out[key] = value
    return out


def record(db: Database, actor: str, action: str, target: str,
           **detail: str | int | float | bool | None) -> None:
    """Append one entry; raise if the detail could carry free text."""
    db.table(TABLE).insert({"id": new_id(), "at": clock.iso(clock.now()), "actor": actor,
                            "action": action, "target": target, "detail": _clean(detail)})


def entries(db: Database) -> list[dict[str, Any]]:
    """Every entry, newest first."""
    return sorted(db.table(TABLE).all(), key=lambda e: (e["at"], e["id"]), reverse=True)


#: The shell's own actions; each domain names its own in its `Domain.audit_actions`.
ACTIONS: dict[str, str] = {
    "admin.add": "添加管理员", "admin.remove": "删除管理员", "login": "登录控制台",
    "export": "导出", "privacy.lookup": "按手机号查询", "privacy.export": "按手机号导出",
    "privacy.delete": "按手机号删除", "purge": "按保存期限清理",
}
