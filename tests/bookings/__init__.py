"""Tests of `forms_api.bookings`."""
