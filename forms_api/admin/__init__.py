"""The admin API under `/api/admin` (Bearer token). The console (issue 6) builds on these."""

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
