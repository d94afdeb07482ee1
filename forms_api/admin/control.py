"""`portal admin …` and `portal purge` while the server runs: a Unix socket the server listens on.

The data directory has one writer: the server holds `portal.lock` and keeps every table in
memory, so a second process must not open the database while it runs. The CLI therefore asks
the running server to make the change, over `<data dir>/control/portal.sock`.

Why a Unix socket. It needs no secret of its own: the socket lives in a directory of mode 0700
and the server also checks the caller's uid (`SO_PEERCRED`: the server's own user or root), so
whoever may read the data directory may manage admins, and nobody else, not even over the
network. The answer is immediate and says whether the change was made. The alternatives were
worse: a localhost HTTP endpoint needs a credential to bootstrap the first credential and is
reachable by every local user; a spool of request files needs polling and leaves requests behind
when no server runs. A new admin's token is made in the CLI process and only its SHA-256 hash
crosses the socket, so the secret never touches the disk or another process.

When no server is listening (no socket, or connection refused), the CLI opens the database
itself, which takes the lock; a server starting at that moment waits for the lock to be free.
Both paths run the same `execute()`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import struct
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool

from forms_api.admin import accounts as acc
from forms_api.admin import audit
from forms_api.admin.privacy import PersonalData, purge
from forms_api.settings import Settings
from forms_api.storage import Database

CONTROL_DIR = "control"
SOCKET_NAME = "portal.sock"
MAX_REQUEST = 16 * 1024
# sun_path holds 108 bytes; longer paths are reached through the directory's /proc fd.
_SUN_PATH_MAX = 100

log = logging.getLogger("portal.control")


def socket_path(data_dir: Path) -> Path:
    return data_dir / CONTROL_DIR / SOCKET_NAME


@dataclass
class _Address:
    """A connectable/bindable name for the socket, and the directory fd it may borrow."""

    name: str
    dir_fd: int | None = None

    def close(self) -> None:
        if self.dir_fd is not None:
            os.close(self.dir_fd)
            self.dir_fd = None


def _address(path: Path) -> _Address:
    if len(os.fsencode(path)) <= _SUN_PATH_MAX:
        return _Address(str(path))
    fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    return _Address(f"/proc/self/fd/{fd}/{path.name}", fd)


def execute(db: Database, settings: Settings, request: dict[str, Any], actor: str,
            accounts: acc.Accounts | None = None,
            personal: Sequence[PersonalData] = ()) -> dict[str, Any]:
    """Run one control request against `db`; the reply says `ok` and what happened."""
    op = request.get("op")
    try:
        if op == "admin.list":
            return {"ok": True, "admins": acc.list_admins(db)}
        if op == "admin.add":
            with db.transaction():
                added = acc.add_admin(db, str(request.get("name", "")),
                                      str(request.get("token_hash", "")), by=actor)
                audit.record(db, actor, "admin.add", f"admins/{added['id']}")
            if accounts is not None:
                accounts.load(db)
            return {"ok": True, "admin": added}
        if op == "admin.remove":
            with db.transaction():
                removed = acc.remove_admin(db, str(request.get("name", "")))
                audit.record(db, actor, "admin.remove", f"admins/{removed['id']}")
            if accounts is not None:
                accounts.load(db)
            return {"ok": True, "admin": removed}
        if op == "purge":
            return {"ok": True, "removed": purge(db, personal, settings, actor)}
    except acc.AccountError as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": False, "error": f"unknown request {op!r}"}


def _peer_uid(sock: socket.socket) -> int:
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)


class ControlServer:
    """Listens on the control socket while the app runs; one JSON line in, one out."""

    def __init__(self, data_dir: Path, handle: Callable[[dict[str, Any], str], dict[str, Any]]):
        self.path = socket_path(data_dir)
        self.handle = handle
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        folder = self.path.parent
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        # We hold the data directory's lock: a socket left here is from a process now gone.
        with suppress(FileNotFoundError):
            self.path.unlink()
        address = _address(self.path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(address.name)
            sock.listen(8)
        except OSError:
            sock.close()
            raise
        finally:
            address.close()
        self._server = await asyncio.start_unix_server(self._serve, sock=sock)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        with suppress(FileNotFoundError):
            self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            sock = writer.get_extra_info("socket")
            uid = _peer_uid(sock)
            if uid not in (0, os.getuid()):
                reply: dict[str, Any] = {"ok": False, "error": "permission denied"}
            else:
                line = await asyncio.wait_for(reader.readline(), timeout=10)
                try:
                    request = json.loads(line[:MAX_REQUEST])
                    if not isinstance(request, dict):
                        raise ValueError("not an object")
                except ValueError:
                    reply = {"ok": False, "error": "the request is not a JSON object"}
                else:
                    actor = f"cli:{_user_name(uid)}"
                    reply = await run_in_threadpool(self.handle, request, actor)
            writer.write(json.dumps(reply, ensure_ascii=False).encode() + b"\n")
            await writer.drain()
        except Exception as exc:  # one bad client must not stop the server
            log.error("control request failed: %s", type(exc).__name__)
            with suppress(Exception):
                writer.write(b'{"ok": false, "error": "the server could not do it; see its log"}\n')
                await writer.drain()
        finally:
            writer.close()
            with suppress(Exception):
                await writer.wait_closed()


def _user_name(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (KeyError, ImportError):
        return str(uid)


def send(data_dir: Path, request: dict[str, Any], timeout: float = 30) -> dict[str, Any] | None:
    """Ask the running server; None when no server listens on this data directory."""
    path = socket_path(data_dir)
    if not path.exists():
        return None
    address = _address(path)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            try:
                sock.connect(address.name)
            except (ConnectionRefusedError, FileNotFoundError):
                return None  # left behind by a server that has stopped
            sock.sendall(json.dumps(request).encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    finally:
        address.close()
    reply = json.loads(b"".join(chunks) or b"null")
    if not isinstance(reply, dict):
        raise RuntimeError("the server gave no answer; see its log")
    return reply
