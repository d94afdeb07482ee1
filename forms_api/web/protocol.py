"""uvicorn's httptools protocol with deadlines and a size cap for what a client must send.

Without a proxy in front, a client that opens a connection and never finishes its request
line, headers or body holds one of the server's `limit_concurrency` slots forever: a few
hundred such sockets and everyone gets 503. Here each request must arrive in time: its
headers within `HEADER_TIMEOUT` seconds of the connection (or of the previous answer), its
body within `BODY_TIMEOUT` seconds after the headers; otherwise the connection is closed.
httptools (unlike h11) takes no cap on the header block, so one is counted here too, to bound
memory; the exact, configured cap stays with `HeaderLimitMiddleware`, which answers 431.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_TIMEOUT = 10.0
BODY_TIMEOUT = 15.0  # the app's largest body (64 KiB) at 4 KB/s
# The parser's own limit, a multiple of the configured cap: beyond it the client gets 400 and
# the connection is closed before the headers are held in memory; below it the app answers 431.
PARSER_CAP_FACTOR = 4
SWEEP_EVERY = 1.0  # seconds between checks: a deadline is kept to within this


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """Closes a connection whose request does not arrive in time; caps the header block.

    A deadline is a float on the connection, checked by one sweep a second over the server's
    connections: no timer is created or cancelled per request.
    """

    header_timeout = HEADER_TIMEOUT
    body_timeout = BODY_TIMEOUT
    max_head_bytes = 16384 * PARSER_CAP_FACTOR
    _sweeps: ClassVar[dict[int, asyncio.TimerHandle]] = {}  # by id() of the connections set

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = 0.0  # loop time by which the request must have arrived; 0: none
        self._head_bytes = 0
        self._in_head = True

    def _arm(self, seconds: float) -> None:
        self._deadline = self.loop.time() + seconds

    def _disarm(self) -> None:
        self._deadline = 0.0

    def _start_sweeping(self) -> None:
        key = id(self.connections)
        if key in self._sweeps:
            return
        connections, loop = self.connections, self.loop

        def sweep() -> None:
            now = loop.time()
            for conn in list(connections):
                if isinstance(conn, GuardedHttpToolsProtocol) and 0 < conn._deadline <= now:
                    conn._too_slow()
            self._sweeps[key] = loop.call_later(SWEEP_EVERY, sweep)

        self._sweeps[key] = loop.call_later(SWEEP_EVERY, sweep)

    def _too_slow(self) -> None:
        self._deadline = 0.0
        if not self.transport.is_closing():
            self.transport.close()  # the app, if it is waiting for the body, sees a disconnect

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout)
        self._start_sweeping()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # Counted per read, not per header (no Python call per header): a header block still
        # unfinished after more than the cap is refused before it grows further.
        in_head = self._in_head
        if in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if (in_head and self._in_head and self._head_bytes > self.max_head_bytes
                and not self.transport.is_closing()):
            self.send_400_response("Request line and headers too large.")

    def on_headers_complete(self) -> None:
        self._in_head, self._head_bytes = False, 0
        super().on_headers_complete()
        self._arm(self.body_timeout)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True  # what follows is the next request's head
        self._disarm()  # all of it arrived: how long the answer takes is the app's business

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # uvicorn armed its keep-alive timer: no request is pending, the next one starts now.
        # (A pipelined request already read is started instead, and has its deadline behind.)
        if self.timeout_keep_alive_task is not None:
            self._arm(self.header_timeout)


def guarded_protocol(max_header_bytes: int) -> type[GuardedHttpToolsProtocol]:
    """The protocol class for uvicorn's `http=`, its parser cap derived from the app's cap."""
    return type("GuardedHttpToolsProtocol", (GuardedHttpToolsProtocol,),
                {"max_head_bytes": max_header_bytes * PARSER_CAP_FACTOR})
