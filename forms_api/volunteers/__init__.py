"""Volunteers: expert volunteers' applications, their review, and the public experts page.

`records`, `forms`, `registration` and `review` (the rules), `api`, `pages`, `console`,
`exports`, `openapi`, `domain`. Knows no other domain.
"""
