"""The public forms: one pydantic declaration each, and where each is posted and shown.

`FORMS` is the registry the MkDocs hook, the API, the page server and the OpenAPI document
all read, so a form's page, its endpoint and its documentation cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from forms_api.forms._fields import PortalForm
from forms_api.forms.attendance import Attendance
from forms_api.forms.bookings import Booking, BookingLookup
from forms_api.forms.volunteers import Volunteer

# Fields every rendered public form carries besides its declaration (see the contract).
HONEYPOT = "website"
TOKEN = "form_token"
META_FIELDS = (HONEYPOT, TOKEN)


@dataclass(frozen=True)
class FormSpec:
    """A form: its declaration, where it posts, the page it lives on, its button."""

    name: str
    model: type[PortalForm]
    action: str
    page: str
    submit: str
    min_fill_seconds: float = 3.0


FORMS: dict[str, FormSpec] = {
    spec.name: spec
    for spec in (
        FormSpec("attendance", Attendance, "/api/trainings/{session}/attendance", "attend/",
                 "签到", min_fill_seconds=1.5),
        FormSpec("volunteers", Volunteer, "/api/volunteers", "volunteer/", "提交报名"),
        FormSpec("bookings", Booking, "/api/bookings", "booking/", "提交预约"),
        FormSpec("booking_lookup", BookingLookup, "/booking/status/", "booking/status/",
                 "查询", min_fill_seconds=0),
    )
}
