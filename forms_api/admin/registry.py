"""What the console and the privacy operations know of the domains, assembled in `app.py`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from forms_api.admin.exports import Export
from forms_api.admin.privacy import PersonalData
from forms_api.storage import Database

#: What the privacy page must say before a deletion by phone (e.g. an expert's upcoming
#: visits): given the records found, by collection, a list of plain Chinese warnings.
PrivacyCheck = Callable[[Database, Mapping[str, list[dict[str, Any]]]], list[str]]


@dataclass(frozen=True)
class Card:
    """A panel of a console page (the overview, the exports page): a template and its data."""

    template: str
    load: Callable[[Database], dict[str, Any]] = lambda db: {}


@dataclass(frozen=True)
class Registry:
    exports: Mapping[str, Export] = field(default_factory=dict)
    personal: tuple[PersonalData, ...] = ()
    tiles: tuple[Card, ...] = ()
    overview: tuple[Card, ...] = ()
    export_cards: tuple[Card, ...] = ()
    menu: tuple[tuple[str, str], ...] = ()
    audit_actions: Mapping[str, str] = field(default_factory=dict)
    privacy_checks: tuple[PrivacyCheck, ...] = ()
