"""Tests of `forms_api.admin`."""
