"""People help themselves: the expert's own page and the teacher's own record (`/me/`).

`records` (tables, feed tokens), `forms`, `expert` (the volunteer's changes: resubmit, profile,
withdraw, answer offers, report a visit), `service` (the service record, certificates, CSV),
`teacher` (a teacher's sessions and hours), `links` (issuing and revoking personal links, the
teacher's lookup), `calendar` (the private ICS feed), `pages`, `api`, `console`, `domain`.
The top domain: above bookings.
"""
