"""Tests of `forms_api.trainings`."""
