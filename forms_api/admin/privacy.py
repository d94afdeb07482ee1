"""Privacy operations: retention and purge, and everything held about one phone number.

Each domain declares the collections that hold a person's phone (`PersonalData`) and how long
it keeps them (retention days from settings; 0 keeps). `purge()` deletes what is older, and a
phone-number deletion removes every record holding that number. Both then compact the
database, so the deleted records also leave the journal on disk (backups keep them until they
rotate out). The audit log records counts and ids, never the number that was looked up; it is
the shell's own collection, kept `retention_audit_days`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.errors import ApiError
from forms_api.forms.fields import normalize_phone
from forms_api.modules import Module
from forms_api.settings import Settings
from forms_api.storage import Database

AUDIT_LABEL = "审计日志"


@dataclass(frozen=True)
class PersonalData:
    """A collection holding people's phone numbers, and its retention rule."""

    table: str
    label: str  # what the records are, in Chinese
    row_template: str  # how the console's privacy page lists one record
    retention_text: str  # what is kept how long, for the console and the README
    retention_days: Callable[[Settings], int]
    #: Whether a record may go once past its retention (e.g. approved volunteers stay).
    purgeable: Callable[[dict[str, Any]], bool]
    #: When the record last changed, as stored.
    changed_at: Callable[[dict[str, Any]], Any]
    #: The records as their export shows them: Chinese headers, labels for codes.
    rows: Callable[[Database, Mapping[str, Module], list[dict[str, Any]]],
                   tuple[list[str], list[list[Any]]]] | None = None
    phone_field: str = "phone"


def phone_of(value: Any) -> str:
    """A typed phone number in its stored form, or 422."""
    try:
        return normalize_phone(value)
    except Exception:
        raise ApiError(422, message="请填写11位手机号或带区号的座机号。",
                       fields={"phone": "请填写11位手机号或带区号的座机号，例如 13800138000"}) from None


def labels(collections: Sequence[PersonalData]) -> dict[str, str]:
    return {c.table: c.label for c in collections} | {audit.TABLE: AUDIT_LABEL}


def find_by_phone(db: Database, collections: Sequence[PersonalData], phone: str
                  ) -> dict[str, list[dict[str, Any]]]:
    """Every record in which `phone` appears, by collection."""
    return {c.table: db.table(c.table).find(**{c.phone_field: phone}) for c in collections}


def lookup(db: Database, collections: Sequence[PersonalData], phone: str, actor: str,
           action: str = "privacy.lookup") -> dict[str, list[dict[str, Any]]]:
    found = find_by_phone(db, collections, phone)
    audit.record(db, actor, action, "personal_data",
                 **{name: len(rows) for name, rows in found.items()})
    return found


def delete_by_phone(db: Database, collections: Sequence[PersonalData], phone: str,
                    actor: str) -> dict[str, int]:
    """Delete every record holding `phone`; compact so the journal forgets them too."""
    with db.transaction():
        found = find_by_phone(db, collections, phone)
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


def expired(db: Database, collections: Sequence[PersonalData], settings: Settings,
            now: dt.datetime | None = None) -> dict[str, list[str]]:
    """Ids past their retention period, by collection."""
    now = now or clock.now()
    found: dict[str, list[str]] = {}
    for c in collections:
        days = c.retention_days(settings)
        if days > 0:
            limit = now - dt.timedelta(days=days)
            found[c.table] = [r["id"] for r in db.table(c.table).all()
                              if c.purgeable(r) and _older(c.changed_at(r), limit)]
    if settings.retention_audit_days > 0:
        limit = now - dt.timedelta(days=settings.retention_audit_days)
        found[audit.TABLE] = [r["id"] for r in db.table(audit.TABLE).all()
                              if _older(r.get("at"), limit)]
    return found


def purge(db: Database, collections: Sequence[PersonalData], settings: Settings, actor: str,
          now: dt.datetime | None = None) -> dict[str, int]:
    """Delete everything past its retention period; return how many of each."""
    with db.transaction():
        found = expired(db, collections, settings, now)
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


def retention_table(collections: Sequence[PersonalData], settings: Settings
                    ) -> list[tuple[str, str, int]]:
    """(collection, what is kept, days) for the console and the README."""
    return [*((c.table, c.retention_text, c.retention_days(settings)) for c in collections),
            (audit.TABLE, "审计日志（不含个人信息），自记录起", settings.retention_audit_days)]
