"""Training modules: the front matter of `content/training/*.md` is their single source."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

REQUIRED_KEYS = ("slug", "title", "hours", "audience", "objectives", "updated")


class ModuleError(ValueError):
    """A module page whose front matter is missing or malformed."""


@dataclass(frozen=True)
class Module:
    slug: str
    title: str
    hours: float
    audience: tuple[str, ...]
    objectives: tuple[str, ...]
    updated: dt.date
    path: Path

    def summary(self) -> dict[str, Any]:
        return {"slug": self.slug, "title": self.title, "hours": self.hours}


_md = MarkdownIt("commonmark").use(front_matter_plugin)


def front_matter(text: str) -> dict[str, Any]:
    """The YAML front matter of a Markdown page, or {} when it has none."""
    for token in _md.parse(text):
        if token.type == "front_matter":
            data = yaml.safe_load(token.content) or {}
            if not isinstance(data, dict):
                raise ModuleError("front matter is not a mapping")
            return data
    return {}


def load_module(path: Path) -> Module:
    meta = front_matter(path.read_text(encoding="utf-8"))
    missing = [key for key in REQUIRED_KEYS if key not in meta]
    if missing:
        raise ModuleError(f"{path}: front matter lacks {', '.join(missing)}")
    if meta["slug"] != path.stem:
        raise ModuleError(f"{path}: slug {meta['slug']!r} differs from the file name")
    hours = meta["hours"]
    if not isinstance(hours, (int, float)) or hours <= 0:
        raise ModuleError(f"{path}: hours must be a positive number, got {hours!r}")
    updated = meta["updated"]
    if not isinstance(updated, dt.date):
        raise ModuleError(f"{path}: updated must be a YYYY-MM-DD date, got {updated!r}")
    for key in ("audience", "objectives"):
        items = meta[key]
        if not (isinstance(items, list) and items
                and all(isinstance(item, str) and item.strip() for item in items)):
            raise ModuleError(f"{path}: {key} must be a non-empty list of texts, got {items!r}")
    return Module(
        slug=str(meta["slug"]),
        title=str(meta["title"]),
        hours=float(hours),
        audience=tuple(str(a) for a in meta["audience"]),
        objectives=tuple(str(o) for o in meta["objectives"]),
        updated=updated,
        path=path,
    )


def load_modules(content_dir: Path) -> dict[str, Module]:
    """Every training module, by slug, in file-name order; the index page is not a module."""
    folder = content_dir / "training"
    pages = sorted(p for p in folder.glob("*.md") if p.name != "index.md") if folder.is_dir() else []
    modules: dict[str, Module] = {}
    for page in pages:
        if "slug" not in front_matter(page.read_text(encoding="utf-8")):
            continue  # an ordinary page in the section (e.g. the schedule), not a module
        module = load_module(page)
        modules[module.slug] = module
    return modules
