"""Real `portal serve` processes on 127.0.0.1 for the tests that need a server, not TestClient."""

from __future__ import annotations

import itertools
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from tests.logcheck import LOG_DIR, remember

PORTAL = Path(sys.executable).with_name("portal")
ADMIN_TOKEN = "srv-admin-" + os.urandom(12).hex()
_serial = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """One `portal serve` subprocess; its stderr is kept under test-artefacts/logs/."""

    site_dir: Path
    data_dir: Path
    args: Sequence[str] = ()
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    stderr_path: Path | None = None
    _stderr: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> Server:
        self.port = self.port or free_port()
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.stderr_path = LOG_DIR / f"server-{os.getpid()}-{next(_serial)}.stderr"
        self._stderr = self.stderr_path.open("ab")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PORTAL_SITE_DIR": str(self.site_dir),
            "PORTAL_DATA_DIR": str(self.data_dir),
            "PORTAL_ADMIN_TOKEN": ADMIN_TOKEN,
            "PORTAL_RATE_LIMIT": "0",
            **({"PORTAL_LOG_FILE": os.environ["PORTAL_LOG_FILE"]}
               if "PORTAL_LOG_FILE" in os.environ else {}),
            **self.env,
        }
        remember(env["PORTAL_ADMIN_TOKEN"])
        self.process = subprocess.Popen(
            [str(PORTAL), "serve", "--host", "127.0.0.1", "--port", str(self.port), *self.args],
            env=env, stdout=subprocess.DEVNULL, stderr=self._stderr)
        allowed = env.get("PORTAL_ALLOWED_HOSTS", "127.0.0.1").split(",")[0].strip()
        host = {"Host": f"{allowed}:{self.port}"}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"portal serve exited with {self.process.returncode}: "
                                   f"{self.stderr_path.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{self.url}/api/health", headers=host, timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"portal serve did not answer within {timeout} s")

    def limit_file_size(self, max_bytes: int) -> None:
        """Make the running server's writes past `max_bytes` per file fail (EFBIG): a full disk."""
        assert self.process is not None
        resource.prlimit(self.process.pid, resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; what was acknowledged must already be on disk."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self._close()

    def stop(self) -> int | None:
        """SIGTERM, as systemd stops the service; returns the exit code."""
        code = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
            code = self.process.returncode
        self._close()
        return code

    def _close(self) -> None:
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}
