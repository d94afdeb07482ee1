"""Trainings: sessions of the training modules, check-in at the venue, 继续教育学时.

`records` (shapes, queries), `forms`, `checkin` and `sessions` (the rules), `hours`, `api`,
`pages` (what the public pages show), `console`, `exports`, `openapi`, and `domain` (what this
package adds to the portal). Below every other domain.
"""
