"""Bookings: schools' requests for an expert's campus visit, and how the bureau handles them.

`records`, `forms`, `requests` (a school books and cancels), `handling` (the bureau confirms,
declines, completes), `rules` (limits and blackout dates), `experts` (visits per expert),
`calendar`, `api`, `pages`, `console`, `exports`, `openapi`, `domain`. Above volunteers (a visit
has an expert) and trainings (the calendar shows sessions).
"""
