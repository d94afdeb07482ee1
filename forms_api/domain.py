"""What a domain adds to the portal, declared as data and assembled in `forms_api.app`.

A domain package (`trainings`, `volunteers`, `bookings`, …) ends in a `domain.py` holding one
`Domain`; `app.py` lists them in order. Nothing registers itself when it is imported, so the
composition root shows the whole portal in one place (NetBox's project `urls.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.routing import BaseRoute

from forms_api.admin.exports import Export
from forms_api.admin.privacy import PersonalData
from forms_api.admin.registry import Card, PrivacyCheck
from forms_api.forms import FormSpec
from forms_api.web.context import Portal, SchoolLink
from forms_api.web.openapi import OpenApiPart

#: A background job: a coroutine the app starts after the database opens and cancels at
#: shutdown (the outbox's sender, reminders). It must survive its own errors and loop.
Job = Callable[[Portal], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Domain:
    name: str
    templates: Path | None = None
    forms: tuple[FormSpec, ...] = ()
    slots: Mapping[str, str] = field(default_factory=dict)  # offline text of page regions
    api: tuple[BaseRoute, ...] = ()  # mounted under /api, admin routes included
    pages: tuple[BaseRoute, ...] = ()  # public pages the server fills
    console: tuple[BaseRoute, ...] = ()  # /admin/…
    menu: tuple[tuple[str, str], ...] = ()  # console navigation: (path, label)
    tiles: tuple[Card, ...] = ()  # the overview's counters
    overview: tuple[Card, ...] = ()
    exports: tuple[Export, ...] = ()
    export_cards: tuple[Card, ...] = ()
    personal: tuple[PersonalData, ...] = ()
    audit_actions: Mapping[str, str] = field(default_factory=dict)
    openapi: OpenApiPart = field(default_factory=OpenApiPart)
    jobs: tuple[Job, ...] = ()
    privacy_checks: tuple[PrivacyCheck, ...] = ()  # warnings before a deletion by phone
    school_links: tuple[SchoolLink, ...] = ()  # record fields naming a school (schools domain)
