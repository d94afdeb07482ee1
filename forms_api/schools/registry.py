"""Changing the registry by hand: create, edit, close or reopen, merge two entries.

Each change is one transaction with its audit entry. A 学校标识码 belongs to one entry that
was not merged away, and so does a name within its 区县. A merge moves the absorbed entry's
records to the kept one (`links.relink`), makes its name and aliases aliases of the kept one,
and leaves it closed with `merged_into`, so old links still resolve.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.errors import ApiError
from forms_api.schools import links
from forms_api.schools.forms import School
from forms_api.schools.records import SCHOOLS, admin_view, clean, key
from forms_api.storage import Database, new_id
from forms_api.web.context import SchoolLink

Record = dict[str, Any]


def conflict(db: Database, code: str | None, name: str, district: str,
             except_id: str | None = None) -> tuple[str, str] | None:
    """(field, Chinese reason) when another live entry has this code, or this name here."""
    for other in db.table(SCHOOLS).all():
        if other["id"] == except_id or other.get("merged_into"):
            continue
        if code and other.get("code") == code:
            return "code", f"学校标识码 {code} 已属于“{other.get('name')}”"
        if key(other.get("name")) == key(name) and key(other.get("district")) == key(district):
            return "name", f"{district}已有同名学校“{other.get('name')}”"
    return None


def _check(db: Database, form: School, except_id: str | None = None) -> None:
    found = conflict(db, form.code, form.name, form.district, except_id)
    if found is not None:
        name, reason = found
        raise ApiError(409, "school_exists", reason + "。", fields={name: reason})


def distinct_aliases(name: str, aliases: Sequence[str]) -> list[str]:
    """Aliases without the name itself and without repeats (by key)."""
    seen = {key(name)}
    out = []
    for alias in aliases:
        if (k := key(alias)) and k not in seen:
            seen.add(k)
            out.append(clean(alias))
    return out


def new_record(form: School, now: str) -> Record:
    return {"id": new_id(), "code": form.code, "name": form.name,
            "aliases": distinct_aliases(form.name, form.aliases), "district": form.district,
            "district_code": form.district_code, "stage": form.stage, "active": True,
            "merged_into": None, "created_at": now, "updated_at": now}


def create(db: Database, form: School, actor: str,
           school_links: Sequence[SchoolLink] = ()) -> Record:
    with db.transaction():
        _check(db, form)
        record = new_record(form, clock.iso(clock.now()))
        db.table(SCHOOLS).insert(record)
        links.changed()
        linked = links.link_existing(db, school_links)
        audit.record(db, actor, "school.create", f"{SCHOOLS}/{record['id']}", linked=linked)
    links.changed()  # also after a rollback: nothing matched inside it is reused
    return admin_view(record)


def get(db: Database, school_id: str) -> Record:
    found = db.table(SCHOOLS).get_id(school_id)
    if found is None:
        raise ApiError(404, message=links.NOT_FOUND)
    return found


def update(db: Database, school_id: str, form: School, actor: str) -> Record:
    with db.transaction():
        before = get(db, school_id)
        if before.get("merged_into"):
            raise ApiError(409, "school_merged", "这所学校已合并到另一所，请编辑保留的那一所。")
        _check(db, form, school_id)
        changes = {"code": form.code, "name": form.name,
                   "aliases": distinct_aliases(form.name, form.aliases), "district": form.district,
                   "district_code": form.district_code, "stage": form.stage,
                   "updated_at": clock.iso(clock.now())}
        after = db.table(SCHOOLS).update_id(school_id, changes) or before
        links.changed()
        changed = sorted(k for k in changes if k != "updated_at" and before.get(k) != changes[k])
        audit.record(db, actor, "school.update", f"{SCHOOLS}/{school_id}",
                     fields=",".join(changed)[:40])
    links.changed()
    return admin_view(after)


def set_active(db: Database, school_id: str, active: bool, actor: str) -> Record:
    """Close a school (it stays linked to its records but leaves pickers and totals), or
    reopen it."""
    with db.transaction():
        before = get(db, school_id)
        if before.get("merged_into"):
            raise ApiError(409, "school_merged", "这所学校已合并到另一所，不能单独恢复。")
        if active:
            _clash = conflict(db, before.get("code"), str(before.get("name")),
                              str(before.get("district")), school_id)
            if _clash is not None:
                raise ApiError(409, "school_exists", _clash[1] + "。")
        after = db.table(SCHOOLS).update_id(school_id, {
            "active": active, "updated_at": clock.iso(clock.now())}) or before
        links.changed()
        audit.record(db, actor, "school.reopen" if active else "school.close",
                     f"{SCHOOLS}/{school_id}")
    links.changed()
    return admin_view(after)


def merge(db: Database, keep_id: str, absorbed_id: str, actor: str,
          school_links: Sequence[SchoolLink]) -> Record:
    """Absorb `absorbed_id` into `keep_id`: its records, its names, and its place."""
    if keep_id == absorbed_id:
        raise ApiError(422, message="不能把一所学校合并到它自己。",
                       fields={"absorbed_id": "请选择另一所学校"})
    with db.transaction():
        kept, absorbed = get(db, keep_id), get(db, absorbed_id)
        if kept.get("merged_into") or absorbed.get("merged_into"):
            raise ApiError(409, "school_merged", "其中一所学校已合并到别处，请选择保留的那一所。")
        now = clock.iso(clock.now())
        table = db.table(SCHOOLS)
        names = [*(kept.get("aliases") or []), str(absorbed.get("name")),
                 *(absorbed.get("aliases") or [])]
        changes: Record = {"aliases": distinct_aliases(str(kept["name"]), names), "updated_at": now}
        if not kept.get("code") and absorbed.get("code"):
            changes["code"] = absorbed["code"]
        table.update_id(absorbed_id, {"active": False, "merged_into": keep_id, "updated_at": now,
                                      "code": None if "code" in changes else absorbed.get("code")})
        after = table.update_id(keep_id, changes) or kept
        # Entries merged into the absorbed one earlier now point at the kept one directly.
        for earlier in table.find(merged_into=absorbed_id):
            table.update_id(earlier["id"], {"merged_into": keep_id, "updated_at": now})
        links.changed()
        moved = links.relink(db, school_links, absorbed_id, keep_id)
        audit.record(db, actor, "school.merge", f"{SCHOOLS}/{keep_id}", absorbed=absorbed_id,
                     records=moved)
    links.changed()
    return {**admin_view(after), "moved": moved}
