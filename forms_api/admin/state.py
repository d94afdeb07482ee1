"""What the admin side keeps while the app runs: accounts, sessions, throttle, control socket."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.requests import Request

from forms_api.admin.accounts import Accounts
from forms_api.admin.control import ControlServer, execute
from forms_api.admin.exporter import Exporter
from forms_api.admin.registry import Registry
from forms_api.admin.sessions import FailedLogins, SessionStore
from forms_api.admin.shared import SharedAccounts, SharedFailedLogins, SharedSessionStore
from forms_api.web.context import Portal, blocking, portal

log = logging.getLogger("portal.admin")
T = TypeVar("T")


@dataclass
class AdminState:
    accounts: Accounts
    registry: Registry
    sessions: SessionStore = field(default_factory=SessionStore)
    failures: FailedLogins = field(default_factory=FailedLogins)
    control: ControlServer | None = None
    exporter: Exporter = field(default_factory=Exporter)

    @classmethod
    def for_portal(cls, p: Portal, registry: Registry) -> AdminState:
        return cls(Accounts(p.settings.admin_token), registry)

    async def start(self, p: Portal) -> None:
        """After the database opened: load the accounts, listen for `portal admin …`."""
        if p.db.shared:  # several instances: what one knows, all must (shared.py)
            self.accounts = SharedAccounts(p.db, p.settings.admin_token)
            self.sessions = SharedSessionStore(p.db, self.sessions.idle, self.sessions.absolute)
            self.failures = SharedFailedLogins(p.db, self.failures.limit, self.failures.window)
        self.accounts.load(p.db)

        def handle(request: dict[str, Any], actor: str) -> dict[str, Any]:
            return execute(p.db, p.settings, request, actor, self.accounts,
                           self.registry.personal)

        control = ControlServer(p.settings.data_dir, handle)
        try:
            await control.start()
        except OSError as exc:
            # The portal still serves; only `portal admin …` must wait until it is stopped.
            log.error("cannot listen on %s (%s): `portal admin` and `portal purge` will not "
                      "work while this server runs", control.path, exc.strerror)
            return
        self.control = control

    async def stop(self) -> None:
        self.exporter.close()
        if self.control is not None:
            await self.control.stop()
            self.control = None


def admin_state(request: Request) -> AdminState:
    found: AdminState = request.app.state.admin
    return found


async def off_loop(request: Request, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` for the accounts, sessions and throttle: on a worker thread when they live
    in a shared database (``shared.py``: each call is a query, which must not block the event
    loop), right here when they are in memory (microseconds, no thread hop)."""
    if portal(request).db.shared:
        return await blocking(fn, *args)
    return fn(*args)
