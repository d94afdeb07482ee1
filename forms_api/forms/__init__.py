"""The form toolkit: a form is a pydantic declaration plus where it is posted and shown.

Domains declare their `FormSpec`s; `forms_api.app.FORMS` assembles them, and the MkDocs hook,
the API, the page server and the OpenAPI document all read that one registry, so a form's
page, its endpoint and its documentation cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from forms_api.forms.fields import PortalForm
from forms_api.storage import Database

# Fields every rendered public form carries besides its declaration (see the contract).
HONEYPOT = "website"
TOKEN = "form_token"
META_FIELDS = (HONEYPOT, TOKEN)

Choices = Sequence[tuple[str, str]]
#: Choices known only when serving (today's dates, the approved experts), by field.
ServeChoices = Callable[[Database], dict[str, Choices]]


def no_choices(db: Database) -> dict[str, Choices]:
    return {}


@dataclass(frozen=True)
class FormSpec:
    """A form: its declaration, where it posts, the page it lives on, its button."""

    name: str
    model: type[PortalForm]
    action: str
    page: str
    submit: str
    min_fill_seconds: float = 3.0
    choices: ServeChoices = no_choices
    public: bool = True  # documented with the honeypot and token fields
