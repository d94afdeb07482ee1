"""The bureau's side: the admin API under `/api/admin` (Bearer token) and the console at `/admin/`.

API: `trainings`, `volunteers`, `bookings` (the contract's endpoints), `api` (the rest).
Console: `console` (login, routes), `console_*` (pages), `web` (session guard, templates).
Shared: `accounts`, `sessions`, `state`, `control` + `commands` (`portal admin`, `portal purge`),
`audit`, `limits`, `exports`, `calendar`, `hours`, `experts`, `privacy_ops`, `downloads`.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from forms_api.admin import api, bookings, trainings, volunteers


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/trainings", trainings.create_training, methods=["POST"]),
        Route("/admin/trainings", trainings.list_trainings, methods=["GET"]),
        Route("/admin/trainings/{id}/attendance", trainings.attendance, methods=["GET"]),
        Route("/admin/volunteers", volunteers.list_volunteers, methods=["GET"]),
        Route("/admin/volunteers/{id}", volunteers.patch_volunteer, methods=["PATCH"]),
        Route("/admin/bookings", bookings.list_bookings, methods=["GET"]),
        Route("/admin/bookings/{id}", bookings.patch_booking, methods=["PATCH"]),
        *api.routes(),
    ]
