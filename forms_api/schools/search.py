"""The public school search behind the pickers: `GET /api/schools?q=&district=`.

`q` (after `records.key`: full-width input as half-width, no spaces) matches, best first:
the 学校标识码 (its start), a name or an alias containing it (two characters of the name are
enough), then the pinyin initials of the name (`dlzx` for 第六中学; every reading of a
character with several counts, via pypinyin). Fuzzy matching (rapidfuzz) was left out on
purpose: for the two to four characters people type it ranks unrelated schools above the one
meant, and a picker has to be predictable. At most 20 current schools answer.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from pypinyin import Style, pinyin

from forms_api.schools.records import SCHOOLS, current, key, public
from forms_api.storage import Database

LIMIT = 20
Q_MAX = 40
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LETTERS = re.compile(r"[a-z]+")


@functools.lru_cache(maxsize=8192)
def initials(name: str) -> tuple[frozenset[str], ...]:
    """For each character of `name` (spaces dropped), the letters it may start with."""
    out: list[frozenset[str]] = []
    for char in key(name):
        if _HAN.fullmatch(char):
            readings = pinyin(char, style=Style.FIRST_LETTER, heteronym=True)[0]
            out.append(frozenset(r[:1].lower() for r in readings if r))
        else:
            out.append(frozenset({char}))
    return tuple(out)


def initials_match(query: str, name: str) -> int | None:
    """Where `query` matches a run of the name's initials (0 = from the start), or None."""
    letters = initials(name)
    for start in range(len(letters) - len(query) + 1):
        if all(query[i] in letters[start + i] for i in range(len(query))):
            return start
    return None


def rank(school: dict[str, Any], q: str) -> tuple[int, int] | None:
    """How well `q` (already a key) names `school`: lower is better; None for no match."""
    code = str(school.get("code") or "")
    if q.isdigit() and code.startswith(q):
        return (0, 0)
    name = key(school.get("name"))
    if name == q:
        return (1, 0)
    if q in name:
        return (2, name.index(q))
    if any(q in key(a) for a in school.get("aliases") or []):
        return (3, 0)
    if _LETTERS.fullmatch(q):
        start = initials_match(q, str(school.get("name") or ""))
        if start is not None:
            return (4, start)
    return None


def search(db: Database, q: str | None, district: str | None = None) -> list[dict[str, Any]]:
    """At most 20 current schools matching `q` (and in `district`), best first."""
    wanted = key(q)[:Q_MAX]
    place = key(district)
    found: list[tuple[tuple[int, int], str, dict[str, Any]]] = []
    for school in db.table(SCHOOLS).all():
        if not current(school) or (place and key(school.get("district")) != place):
            continue
        if not wanted:
            if place:
                found.append(((0, 0), str(school.get("name") or ""), school))
            continue
        score = rank(school, wanted)
        if score is not None:
            found.append((score, str(school.get("name") or ""), school))
    found.sort(key=lambda f: (f[0], len(f[1]), f[1]))
    return [public(s) for _, _, s in found[:LIMIT]]


def districts(db: Database) -> list[str]:
    """The districts of current schools, in order (for the no-JavaScript choice)."""
    return sorted({str(s.get("district")) for s in db.table(SCHOOLS).all()
                   if current(s) and s.get("district")})
