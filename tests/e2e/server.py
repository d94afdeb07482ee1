"""A real `portal serve` subprocess on 127.0.0.1 with its own data directory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from forms_api.settings import PROJECT_ROOT

# `portal serve` is `forms_api.cli:main`; run it by module from the project root so the server
# runs the very code under test (also in a separate worktree, where the installed script
# would import the editable install's checkout instead).
PORTAL = [sys.executable, "-m", "forms_api.cli"]
START_TIMEOUT = 30.0


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class PortalServer:
    """A running `portal serve`: where it answers, its data and its admin token."""

    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    site_dir: Path
    admin_token: str
    log: Path

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.origin + path

    def api(self) -> httpx.Client:
        """A plain HTTP client for the public API (what a script would see)."""
        return httpx.Client(base_url=self.origin, timeout=10.0)

    def admin(self) -> httpx.Client:
        """An HTTP client carrying the bootstrap admin token."""
        return httpx.Client(base_url=self.origin, timeout=10.0,
                            headers={"Authorization": f"Bearer {self.admin_token}"})

    def get_json(self, path: str, **kwargs: Any) -> Any:
        """One public GET that must succeed; its JSON body."""
        with self.api() as client:
            response = client.get(path, **kwargs)
        assert response.is_success, f"GET {path}: {response.status_code} {response.text}"
        return response.json()

    def admin_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """One admin API call that must succeed; its JSON body."""
        with self.admin() as client:
            response = client.request(method, path, **kwargs)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_server(site_dir: Path, data_dir: Path, log: Path, admin_token: str) -> PortalServer:
    """Start `portal serve` on a free port and wait until /api/health answers."""
    port = free_port()
    env = {**os.environ, "PORTAL_SITE_DIR": str(site_dir), "PORTAL_DATA_DIR": str(data_dir),
           "PORTAL_ADMIN_TOKEN": admin_token}
    out = log.open("wb")
    process = subprocess.Popen([*PORTAL, "serve", "--host", "127.0.0.1", "--port", str(port)],
                               env=env, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    server = PortalServer(process, port, data_dir, site_dir, admin_token, log)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"portal serve exited with {process.returncode}:\n"
                               f"{server.log_text()}")
        try:
            if httpx.get(server.url("/api/health"), timeout=1.0).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            stop_server(server)
            raise RuntimeError(f"portal serve did not answer in {START_TIMEOUT:.0f} s:\n"
                               f"{server.log_text()}")
        time.sleep(0.1)


def stop_server(server: PortalServer) -> None:
    """Stop the server the way Ctrl-C would, then for good if it hangs."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
