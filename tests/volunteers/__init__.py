"""Tests of `forms_api.volunteers`."""
