"""A clock the tests move: `forms_api.clock.now` answers what the test says."""

from __future__ import annotations

import datetime as dt

import pytest

from forms_api import clock


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.at = clock.now()
        monkeypatch.setattr(clock, "now", lambda: self.at)

    def move(self, seconds: float) -> dt.datetime:
        self.at = self.at + dt.timedelta(seconds=seconds)
        return self.at
