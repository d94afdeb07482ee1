"""Privacy operations: retention and purge, and everything held about one phone number.

Retention (days, from settings; 0 keeps): check-ins after `checked_in_at`; volunteer applications
not approved, and finished bookings, after their last change; audit entries after `at`.
`purge()` deletes what is older, and a phone-number deletion removes every record holding that
number. Both then compact the database, so the deleted records also leave the journal on disk
(backups keep them until they rotate out). The audit log records counts and ids, never the
number that was looked up.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.errors import ApiError
from forms_api.forms._fields import normalize_phone
from forms_api.settings import Settings
from forms_api.storage import Database

#: Collections holding a person's phone number, and the field that holds it.
PERSONAL: dict[str, str] = {"volunteers": "phone", "bookings": "phone", "attendance": "phone"}
LABELS: dict[str, str] = {"volunteers": "专家志愿者报名", "bookings": "进校预约",
                          "attendance": "培训签到", "audit_log": "审计日志"}
FINISHED_BOOKINGS = ("completed", "cancelled", "declined")


def phone_of(value: Any) -> str:
    """A typed phone number in its stored form, or 422."""
    try:
        return normalize_phone(value)
    except Exception:
        raise ApiError(422, message="请填写11位手机号或带区号的座机号。",
                       fields={"phone": "请填写11位手机号或带区号的座机号，例如 13800138000"}) from None


def find_by_phone(db: Database, phone: str) -> dict[str, list[dict[str, Any]]]:
    """Every record in which `phone` appears, by collection."""
    return {name: db.table(name).find(**{key: phone}) for name, key in PERSONAL.items()}


def lookup(db: Database, phone: str, actor: str, action: str = "privacy.lookup"
           ) -> dict[str, list[dict[str, Any]]]:
    found = find_by_phone(db, phone)
    audit.record(db, actor, action, "personal_data",
                 **{name: len(rows) for name, rows in found.items()})
    return found


def delete_by_phone(db: Database, phone: str, actor: str) -> dict[str, int]:
    """Delete every record holding `phone`; compact so the journal forgets them too."""
    with db.transaction():
        found = find_by_phone(db, phone)
        for name, rows in found.items():
            for row in rows:
                db.table(name).remove_id(row["id"])
        counts = {name: len(rows) for name, rows in found.items()}
        audit.record(db, actor, "privacy.delete", "personal_data", **counts)
    if any(counts.values()):
        _forget(db)
    return counts


def _older(text: Any, cutoff: dt.datetime) -> bool:
    return isinstance(text, str) and bool(text) and clock.parse_iso(text) < cutoff


def expired(db: Database, settings: Settings, now: dt.datetime | None = None
            ) -> dict[str, list[str]]:
    """Ids past their retention period, by collection."""
    now = now or clock.now()

    def cutoff(days: int) -> dt.datetime | None:
        return now - dt.timedelta(days=days) if days > 0 else None

    found: dict[str, list[str]] = {}
    if (limit := cutoff(settings.retention_attendance_days)) is not None:
        found["attendance"] = [r["id"] for r in db.table("attendance").all()
                               if _older(r.get("checked_in_at"), limit)]
    if (limit := cutoff(settings.retention_volunteers_days)) is not None:
        found["volunteers"] = [r["id"] for r in db.table("volunteers").all()
                               if r.get("status") != "approved"
                               and _older(r.get("updated_at") or r.get("created_at"), limit)]
    if (limit := cutoff(settings.retention_bookings_days)) is not None:
        found["bookings"] = [r["id"] for r in db.table("bookings").all()
                             if r.get("status") in FINISHED_BOOKINGS
                             and _older(r.get("updated_at") or r.get("created_at"), limit)]
    if (limit := cutoff(settings.retention_audit_days)) is not None:
        found["audit_log"] = [r["id"] for r in db.table(audit.TABLE).all()
                              if _older(r.get("at"), limit)]
    return found


def purge(db: Database, settings: Settings, actor: str,
          now: dt.datetime | None = None) -> dict[str, int]:
    """Delete everything past its retention period; return how many of each."""
    with db.transaction():
        found = expired(db, settings, now)
        for name, ids in found.items():
            for record_id in ids:
                db.table(name).remove_id(record_id)
        counts = {name: len(ids) for name, ids in found.items()}
        audit.record(db, actor, "purge", "retention", **counts)
    if any(counts.values()):
        _forget(db)
    return counts


def _forget(db: Database) -> None:
    """Rewrite the snapshot now so that deleted records leave the journal files as well."""
    if db.data_dir is not None:
        db.compact()


def retention_table(settings: Settings) -> list[tuple[str, str, int]]:
    """(collection, what is kept, days) for the console and the README."""
    return [
        ("attendance", "培训签到记录，自签到起", settings.retention_attendance_days),
        ("volunteers", "未通过审核的志愿者报名，自最后一次变更起", settings.retention_volunteers_days),
        ("bookings", "已完成、已取消或未能安排的预约，自最后一次变更起",
         settings.retention_bookings_days),
        ("audit_log", "审计日志（不含个人信息），自记录起", settings.retention_audit_days),
    ]
