"""`portal admin add|list|remove` and `portal purge` against a running `portal serve`, and without one."""

from __future__ import annotations

import getpass
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
from starlette.testclient import TestClient

from forms_api.admin import control
from tests.admin_support import ADMIN_TOKEN
from tests.logcheck import remember
from tests.servers import PORTAL, Server


def portal(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PORTAL_DATA_DIR": str(data_dir)}
    return subprocess.run([str(PORTAL), *args], env=env, capture_output=True, text=True,
                          timeout=60)


def test_admin_commands_while_the_server_runs(built_site: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with Server(built_site, data_dir) as server:
        added = portal(data_dir, "admin", "add", "zhang.min")
        assert added.returncode == 0, added.stderr
        token = added.stdout.strip()
        remember(token)
        assert token.startswith("pa_") and len(token) >= 46
        assert token not in added.stderr
        headers = {"Authorization": f"Bearer {token}", "Host": f"127.0.0.1:{server.port}"}
        assert httpx.get(f"{server.url}/api/admin/bookings", headers=headers).status_code == 200
        login = httpx.post(f"{server.url}/admin/login", data={"token": token},
                           headers={"Host": f"127.0.0.1:{server.port}"})
        assert login.status_code == 303
        # The server stored only the hash, and it is the one that wrote it.
        assert token.encode() not in b"".join(p.read_bytes() for p in data_dir.rglob("portal.*")
                                              if p.is_file())
        listed = portal(data_dir, "admin", "list")
        assert listed.returncode == 0 and "zhang.min" in listed.stdout
        assert token not in listed.stdout
        taken = portal(data_dir, "admin", "add", "zhang.min")
        assert taken.returncode != 0 and "already exists" in taken.stderr
        purged = portal(data_dir, "purge")
        assert purged.returncode == 0, purged.stderr
        removed = portal(data_dir, "admin", "remove", "zhang.min")
        assert removed.returncode == 0, removed.stderr
        assert httpx.get(f"{server.url}/api/admin/bookings", headers=headers).status_code == 401
        assert server.process is not None and server.process.poll() is None
        audit = httpx.get(f"{server.url}/api/admin/audit", headers={
            "Authorization": f"Bearer {server_token()}", "Host": f"127.0.0.1:{server.port}"}).json()
        actions = [(e["action"], e["actor"]) for e in audit["items"]]
        assert ("admin.add", f"cli:{getpass.getuser()}") in actions
        assert any(a == "purge" for a, _ in actions)
    # With no server, the command opens the database itself.
    offline = portal(data_dir, "admin", "add", "li.na")
    assert offline.returncode == 0, offline.stderr
    listed = portal(data_dir, "admin", "list")
    assert "li.na" in listed.stdout and "zhang.min" not in listed.stdout
    assert not control.socket_path(data_dir).exists()


def server_token() -> str:
    from tests.servers import ADMIN_TOKEN as token

    return token


def test_control_socket_works_with_a_long_data_dir(make_client: Callable[..., TestClient],
                                                   tmp_path: Path) -> None:
    data_dir = tmp_path / ("long-directory-name-" * 6) / "data"
    assert len(str(control.socket_path(data_dir))) > 108
    make_client(admin_token=ADMIN_TOKEN, data_dir=data_dir)
    reply = control.send(data_dir, {"op": "admin.list"})
    assert reply == {"ok": True, "admins": []}
    assert control.send(data_dir, {"op": "nonsense"}) == {"ok": False,
                                                         "error": "unknown request 'nonsense'"}


def test_control_socket_is_private(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    make_client(admin_token=ADMIN_TOKEN, data_dir=data_dir)
    folder = control.socket_path(data_dir).parent
    assert folder.stat().st_mode & 0o777 == 0o700


def test_no_server_no_socket(tmp_path: Path) -> None:
    assert control.send(tmp_path, {"op": "admin.list"}) is None
