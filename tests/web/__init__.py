"""Tests of `forms_api.web`."""
