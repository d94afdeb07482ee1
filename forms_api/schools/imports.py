"""Importing the bureau's school list: row by row created, updated, unchanged or refused.

A row is the same school as an entry with its 学校标识码, or, without one, with its name in its
区县; a re-import of the same rows changes nothing (`created: 0`). Aliases are added to, never
taken away (staff's mappings stay). A row naming a school that was merged into another, or an
alias of a school in its 区县, changes nothing and says so. After a real import, records still
unlinked are linked by their exact name (`links.link_existing`); the others stay on the
mapping list. A dry run answers the same report and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.errors import ApiError
from forms_api.forms.validation import validate
from forms_api.schools import links
from forms_api.schools.forms import School
from forms_api.schools.records import SCHOOLS, TYPE_STAGES, key, normalise_code
from forms_api.schools.registry import distinct_aliases, new_record
from forms_api.schools.sheets import HEADERS, Row
from forms_api.storage import Database
from forms_api.web.context import SchoolLink

Record = dict[str, Any]
COLUMN = {field: header for header, field in HEADERS.items()}
COMPARED = ("code", "name", "district", "district_code", "stage", "aliases")


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    linked: int = 0
    errors: list[Record] = field(default_factory=list)
    rows: list[Record] = field(default_factory=list)

    def add(self, row: int, action: str, name: str, message: str | None = None,
            changes: Sequence[str] = ()) -> None:
        entry: Record = {"row": row, "action": action, "name": name}
        if message:
            entry["message"] = message
        if changes:
            entry["changes"] = list(changes)
        self.rows.append(entry)
        if action == "refused":
            self.errors.append({"row": row, "message": message or ""})
        else:
            setattr(self, action, getattr(self, action) + 1)

    def as_dict(self, dry_run: bool) -> Record:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "errors": self.errors, "rows": self.rows, "linked": self.linked,
                "dry_run": dry_run}


def _form(row: Row) -> School:
    """The row as a validated school; ApiError naming the columns to fix."""
    values = {k: v for k, v in row.values.items() if v is not None and str(v).strip() != ""}
    values = {k: (str(v) if not isinstance(v, str) else v) for k, v in values.items()}
    code = normalise_code(values.get("code"))
    if "stage" not in values and code and code[:2] in TYPE_STAGES:
        values["stage"] = TYPE_STAGES[code[:2]]
    try:
        return validate(School, values, json=False)
    except ApiError as exc:
        fields = exc.fields or {}
        parts = [f"{COLUMN.get(k, k)}：{m}" for k, m in fields.items()]
        raise ApiError(422, message="；".join(parts) or exc.message) from None


class _State:
    """The registry as the import sees it, rows applied so far included."""

    def __init__(self, schools: list[Record]) -> None:
        self.live = [s for s in schools if not s.get("merged_into")]
        self.merged = [s for s in schools if s.get("merged_into")]
        self.by_id = {s["id"]: s for s in schools}
        self.seen_codes: dict[str, int] = {}
        self.seen_names: dict[tuple[str, str], int] = {}

    def by_code(self, code: str) -> Record | None:
        return next((s for s in self.live if s.get("code") == code), None)

    def by_name(self, name: str, district: str) -> Record | None:
        k = (key(name), key(district))
        return next((s for s in self.live if (key(s.get("name")), key(s.get("district"))) == k),
                    None)

    def named_otherwise(self, form: School) -> Record | None:
        """An entry this row names by a merged-away entry or by an alias, in its 区县."""
        d = key(form.district)
        for s in self.merged:
            if (form.code and s.get("code") == form.code) or (
                    key(s.get("name")) == key(form.name) and key(s.get("district")) == d):
                return self.by_id.get(str(s.get("merged_into"))) or s
        for s in self.live:
            if key(s.get("district")) == d and key(form.name) in {
                    key(a) for a in s.get("aliases") or []}:
                return s
        return None


def _changes(before: Record, form: School) -> Record:
    after: Record = {"name": form.name, "district": form.district, "stage": form.stage,
                     "aliases": distinct_aliases(form.name, [*(before.get("aliases") or []),
                                                     *form.aliases])}
    if form.code:
        after["code"] = form.code
    if form.district_code:
        after["district_code"] = form.district_code
    return {k: v for k, v in after.items() if before.get(k) != v}


def _one(state: _State, row: Row, report: Report, now: str) -> tuple[str, Record] | None:
    """Judge one row; returns what to write: ("insert", record) or ("update", changes+id)."""
    try:
        form = _form(row)
    except ApiError as exc:
        report.add(row.number, "refused", str(row.values.get("name") or ""), exc.message)
        return None
    name_key = (key(form.name), key(form.district))
    if form.code and form.code in state.seen_codes:
        report.add(row.number, "refused", form.name,
                   f"学校标识码与第 {state.seen_codes[form.code]} 行相同")
        return None
    if name_key in state.seen_names:
        report.add(row.number, "refused", form.name,
                   f"与第 {state.seen_names[name_key]} 行是同一区县的同名学校")
        return None
    if form.code:
        state.seen_codes[form.code] = row.number
    state.seen_names[name_key] = row.number
    target = state.by_code(form.code) if form.code else None
    if target is None:
        target = state.by_name(form.name, form.district)
        if target is not None and form.code and target.get("code") not in (None, form.code):
            report.add(row.number, "refused", form.name,
                       f"{form.district}已有同名学校，学校标识码为 {target.get('code')}，与本行不同")
            return None
    if target is None:
        other = state.named_otherwise(form)
        if other is not None:
            report.add(row.number, "unchanged", form.name,
                       f"已归入“{other.get('name')}”（合并或别名），未改动")
            return None
        record = new_record(form, now)
        state.live.append(record)
        state.by_id[record["id"]] = record
        report.add(row.number, "created", form.name)
        return "insert", record
    changes = _changes(target, form)
    clash = state.by_name(form.name, form.district)
    if clash is not None and clash["id"] != target["id"]:
        report.add(row.number, "refused", form.name,
                   f"改名后会与{form.district}的“{clash.get('name')}”重名")
        return None
    if not changes:
        report.add(row.number, "unchanged", form.name)
        return None
    target.update(changes)
    report.add(row.number, "updated", form.name,
               changes=[COLUMN.get(k, k) for k in COMPARED if k in changes])
    return "update", {"id": target["id"], **changes, "updated_at": now}


def run_import(db: Database, rows: Sequence[Row], actor: str, dry_run: bool,
               school_links: Sequence[SchoolLink] = ()) -> Record:
    """Apply (or, with `dry_run`, only judge) every row; one transaction, one audit entry."""
    report = Report()
    now = clock.iso(clock.now())
    with db.transaction():
        state = _State(db.table(SCHOOLS).all())
        writes = [w for row in rows if (w := _one(state, row, report, now)) is not None]
        if not dry_run:
            table = db.table(SCHOOLS)
            for kind, record in writes:
                if kind == "insert":
                    table.insert(record)
                else:
                    table.update_id(record["id"], {k: v for k, v in record.items() if k != "id"})
            links.changed()
            report.linked = links.link_existing(db, school_links)
            audit.record(db, actor, "school.import", SCHOOLS, created=report.created,
                         updated=report.updated, unchanged=report.unchanged,
                         refused=len(report.errors), linked=report.linked)
    links.changed()
    return report.as_dict(dry_run)
