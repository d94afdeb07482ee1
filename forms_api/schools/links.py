"""Linking records to the registry: a form's choice or exact name, existing records, mapping.

A form names its school by `school_id` (the picker's choice) or by the text typed. A current
school's id links the record and its stored text becomes the registry's name; a text equal to
one current school's name or alias (after `records.key`) links too. Anything else is kept as
typed with `school_id: null`: a teacher at the door is never turned away. Unlinked texts are
listed for staff, who map each one to a school once (`map_text`): every record with that text
is linked and the text becomes an alias, so the next one links by itself.

The records live in the domains above this one; each declares its school-linked fields
(`SchoolLink`) and the app passes them in (`Portal.school_links`).
"""

from __future__ import annotations

import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from forms_api import clock
from forms_api.admin import audit
from forms_api.errors import ApiError
from forms_api.schools.records import SCHOOLS, clean, current, follow_merges, key
from forms_api.storage import Database
from forms_api.web.context import SchoolLink

Record = dict[str, Any]
NOT_FOUND = "找不到这所学校，可能已被删除或合并，请刷新页面。"


@dataclass
class Matcher:
    """The current schools by the keys of their names and aliases."""

    by_id: dict[str, Record]
    by_key: dict[str, list[Record]] = field(default_factory=dict)

    @classmethod
    def of(cls, schools: Iterable[Record]) -> Matcher:
        every = list(schools)
        found = cls({s["id"]: s for s in every})
        for school in every:
            if not current(school):
                continue
            names = {key(school.get("name")), *(key(a) for a in school.get("aliases") or [])}
            for name in names - {""}:
                found.by_key.setdefault(name, []).append(school)
        return found

    def kept(self, school_id: Any) -> Record | None:
        """The entry `school_id` names, merges followed; None when unknown or a loop."""
        return follow_merges(self.by_id, school_id)

    def by_text(self, text: Any, district: Any = None) -> Record | None:
        """The one current school named `text` (in `district`, when several share the name)."""
        found = self.by_key.get(key(text), [])
        if len(found) > 1 and key(district):
            found = [s for s in found if key(s.get("district")) == key(district)]
        return found[0] if len(found) == 1 else None


@dataclass
class _Cached:
    stamp: tuple[int, int]
    at: float
    matcher: Matcher


_CACHE: weakref.WeakKeyDictionary[Database, _Cached] = weakref.WeakKeyDictionary()
_generation = 0
#: How long a shared database's (PostgreSQL's) registry is reused: another instance may change it.
SHARED_SECONDS = 10.0


def changed() -> None:
    """Called after every change of the registry this process makes: the next match rereads."""
    global _generation
    _generation += 1


def matcher(db: Database) -> Matcher:
    """The registry as forms match it; reread only after a change (a check-in burst on a city's
    1,500 schools would otherwise copy every entry for every teacher)."""
    table = db.table(SCHOOLS)
    stamp, now = (_generation, len(table)), time.monotonic()
    hit = _CACHE.get(db)
    if hit is not None and hit.stamp == stamp and not (
            db.shared and now - hit.at > SHARED_SECONDS):
        return hit.matcher
    found = Matcher.of(table.all())
    _CACHE[db] = _Cached(stamp, now, found)
    return found


def resolve(db: Database, school_id: str | None, text: str, district: str | None = None
            ) -> tuple[str, str | None]:
    """What a form stores: (the school text, its school_id or None). Never refuses."""
    found = matcher(db)
    chosen = found.kept(school_id) if school_id else None
    if chosen is not None and current(chosen):
        return str(chosen["name"]), str(chosen["id"])
    named = found.by_text(text, district)
    return text, (str(named["id"]) if named is not None else None)


def _unlinked(record: Record, link: SchoolLink) -> bool:
    return not record.get(link.school_id) and bool(key(record.get(link.text)))


def unlinked(db: Database, links: Sequence[SchoolLink]) -> list[Record]:
    """Distinct unlinked school texts: {key, text, counts: {label: n}, total}, most first."""
    groups: dict[str, Record] = {}
    spellings: dict[str, Counter[str]] = {}
    for link in links:
        for record in db.table(link.table).all():
            if not _unlinked(record, link):
                continue
            text = clean(record.get(link.text))
            k = key(text)
            group = groups.setdefault(k, {"key": k, "counts": {}, "total": 0})
            group["counts"][link.label] = group["counts"].get(link.label, 0) + 1
            group["total"] += 1
            spellings.setdefault(k, Counter())[text] += 1
    for k, group in groups.items():
        group["text"] = spellings[k].most_common(1)[0][0]
    return sorted(groups.values(), key=lambda g: (-g["total"], g["text"]))


def _set_school(db: Database, links: Sequence[SchoolLink],
                chosen: Callable[[SchoolLink, Record], bool], school_id: str) -> int:
    """Link every unlinked record that `chosen(link, record)` picks; returns how many."""
    moved = 0
    for link in links:
        table = db.table(link.table)
        for record in table.all():
            if _unlinked(record, link) and chosen(link, record):
                table.update_id(record["id"], {link.school_id: school_id})
                moved += 1
    return moved


def map_text(db: Database, links: Sequence[SchoolLink], text: str, school_id: str,
             actor: str) -> dict[str, Any]:
    """Staff map an unlinked text to a school: every record with it, and future ones."""
    k = key(text)
    if not k:
        raise ApiError(422, message="请填写要对应的学校名称。", fields={"text": "请填写学校名称"})
    with db.transaction():
        found = matcher(db)
        school = found.kept(school_id)
        if school is None or not current(school):
            raise ApiError(422, message="请选择一所在用的学校（已停用或已合并的不能选）。",
                           fields={"school_id": "请选择一所在用的学校"})
        linked = _set_school(db, links, lambda link, r: key(r.get(link.text)) == k, school["id"])
        names = {key(school.get("name")), *(key(a) for a in school.get("aliases") or [])}
        added = k not in names
        if added:
            db.table(SCHOOLS).update_id(school["id"], {
                "aliases": [*(school.get("aliases") or []), clean(text)],
                "updated_at": clock.iso(clock.now())})
            changed()
        audit.record(db, actor, "school.map", f"{SCHOOLS}/{school['id']}", records=linked,
                     alias_added=added)
    changed()
    return {"school_id": school["id"], "linked": linked, "alias_added": added}


def link_existing(db: Database, links: Sequence[SchoolLink]) -> int:
    """Link every unlinked record whose text names one current school exactly (call in a
    transaction); the rest stay on the mapping list."""
    found = matcher(db)
    moved = 0
    for link in links:
        table = db.table(link.table)
        for record in table.all():
            if not _unlinked(record, link):
                continue
            named = found.by_text(record.get(link.text), record.get("district"))
            if named is not None:
                table.update_id(record["id"], {link.school_id: named["id"]})
                moved += 1
    return moved


def link_now(db: Database, links: Sequence[SchoolLink], actor: str) -> dict[str, int]:
    """Staff run the linking step by hand (the console's button); audited when it linked."""
    with db.transaction():
        linked = link_existing(db, links)
        if linked:
            audit.record(db, actor, "school.link", SCHOOLS, linked=linked)
    return {"linked": linked}


def relink(db: Database, links: Sequence[SchoolLink], old_id: str, new_id: str) -> int:
    """Move every record of `old_id` to `new_id` (a merge); returns how many moved."""
    moved = 0
    for link in links:
        table = db.table(link.table)
        for record in table.find(**{link.school_id: old_id}):
            table.update_id(record["id"], {link.school_id: new_id})
            moved += 1
    return moved


def linked_counts(db: Database, links: Sequence[SchoolLink]) -> Counter[str]:
    """How many records each school id has, over every linked table."""
    counts: Counter[str] = Counter()
    for link in links:
        for record in db.table(link.table).all():
            if record.get(link.school_id):
                counts[str(record[link.school_id])] += 1
    return counts
