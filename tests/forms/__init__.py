"""Tests of `forms_api.forms`."""
