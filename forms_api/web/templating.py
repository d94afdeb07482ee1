"""One Jinja environment for every server-made page: the console and the public regions.

Each domain's templates live in its own folder and are named with its prefix
(`trainings/projector.html`), through a `PrefixLoader`, so two domains' `list.html` never
collide. Everything is autoescaped; no template has inline script or event handlers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, PrefixLoader, select_autoescape

from forms_api import clock


def show_time(text: str | None) -> str:
    """A stored ISO time as `YYYY-MM-DD HH:MM` in Asia/Shanghai."""
    return clock.parse_iso(text).strftime("%Y-%m-%d %H:%M") if text else ""


def show_day(text: str | None) -> str:
    """A stored date with its weekday, e.g. `2026-12-07 星期一`."""
    if not text:
        return ""
    return f"{text} {clock.show_date(dt.date.fromisoformat(text))[-4:]}"


def environment(folders: Mapping[str, Path]) -> Environment:
    """The environment over `{prefix: folder}`."""
    loader = PrefixLoader({prefix: FileSystemLoader(folder) for prefix, folder in folders.items()})
    env = Environment(loader=loader, autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)  # records may lack optional fields
    env.filters["time"] = show_time
    env.filters["day"] = show_day
    return env
