"""`portal serve` limits on a real server: header bytes, concurrency, which proxy is trusted."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from forms_api.cli import make_parser
from forms_api.web.protocol import BODY_TIMEOUT, HEADER_TIMEOUT
from tests.conftest import assert_error
from tests.servers import PORTAL, Server, free_port


@pytest.mark.parametrize("option", ["--limit-concurrency=-1", "--max-header-bytes=0",
                                    "--max-header-bytes=lots"])
def test_bad_limit_options_are_refused(option: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        make_parser().parse_args(["serve", option])
    assert exit_info.value.code == 2
    assert option.split("=")[0] in capsys.readouterr().err


def test_headers_over_the_cap_are_refused(built_site: Path, tmp_path: Path) -> None:
    with Server(built_site, tmp_path / "data", args=["--max-header-bytes", "4096"]) as server:
        ok = httpx.get(f"{server.url}/api/health", headers={"X-Pad": "a" * 2000})
        assert ok.status_code == 200
        # 8 KB arrives in one read (h11 alone lets it through); 200 KB in several.
        refused = httpx.get(f"{server.url}/api/health", headers={"X-Pad": "a" * 8000})
        assert_error(refused, 431, "headers_too_large")
        try:  # the parser gives up while the client is still sending: 400, or a reset
            status = httpx.get(f"{server.url}/api/health",
                               headers={"X-Pad": "a" * 200_000}).status_code
        except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
            status = 400
        assert status == 400
        assert httpx.get(f"{server.url}/api/health").status_code == 200  # still serving


def test_connections_over_the_cap_get_503(built_site: Path, tmp_path: Path) -> None:
    with Server(built_site, tmp_path / "data", args=["--limit-concurrency", "4"]) as server:
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(4)]
        try:
            assert httpx.get(f"{server.url}/api/health").status_code == 503
        finally:
            for sock in idle:
                sock.close()
        statuses = []
        for _ in range(50):  # the server notices the closed sockets within a moment
            statuses.append(httpx.get(f"{server.url}/api/health").status_code)
            if statuses[-1] == 200:
                break
        assert statuses[-1] == 200, statuses


@pytest.mark.parametrize("trusted", [False, True])
def test_forwarded_proto_is_believed_only_from_the_trusted_proxy(
        built_site: Path, tmp_path: Path, trusted: bool) -> None:
    args = ["--forwarded-allow-ips", "127.0.0.1"] if trusted else []
    with Server(built_site, tmp_path / "data", args=args) as server:
        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7",
                   "Origin": f"https://127.0.0.1:{server.port}"}
        response = httpx.post(f"{server.url}/api/volunteers", json={}, headers=headers)
        if trusted:
            assert_error(response, 422, "validation_error")
        else:
            assert_error(response, 403, "cross_origin")


def test_a_second_server_on_the_same_data_dir_prints_only_why(built_site: Path,
                                                               tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Server(built_site, data) as first:
        result = subprocess.run(
            [str(PORTAL), "serve", "--host", "127.0.0.1", "--port", str(free_port())],
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PORTAL_SITE_DIR": str(built_site),
                 "PORTAL_DATA_DIR": str(data)},
            capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 1
        assert result.stdout == ""  # no "serving on …": it never served
        assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
        assert "in use by another portal process" in result.stderr
        assert "Traceback" not in result.stderr
        assert httpx.get(f"{first.url}/api/health").status_code == 200  # the first one is fine


def test_idle_and_half_sent_connections_time_out(built_site: Path, tmp_path: Path) -> None:
    # With no proxy in front, sockets that never finish their request must not hold every
    # connection slot: a normal request succeeds within the header timeout plus slack.
    with Server(built_site, tmp_path / "data", args=["--limit-concurrency", "20"]) as server:
        body = socket.create_connection(("127.0.0.1", server.port))  # first: it gets a slot
        body.sendall(b"POST /api/volunteers HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        started = time.monotonic()
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(15)]
        partial = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(15)]
        for sock in partial:  # headers begun, never finished
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1")
        try:
            assert httpx.get(f"{server.url}/api/health").status_code == 503  # all slots taken
            deadline = started + HEADER_TIMEOUT + 5
            status = 503
            while status != 200 and time.monotonic() < deadline:
                time.sleep(0.25)
                status = httpx.get(f"{server.url}/api/health").status_code
            assert status == 200, "the idle connections were never closed"
            for sock in (*idle, *partial):  # the server closed them: EOF, or a reset
                sock.settimeout(2)
                with contextlib.suppress(ConnectionResetError):
                    assert sock.recv(100) == b""
            # A body that stops coming is cut off too (the app may answer for it, then close).
            body.settimeout(max(0.1, started + BODY_TIMEOUT + 5 - time.monotonic()))
            answer = b""
            with contextlib.suppress(ConnectionResetError):
                while chunk := body.recv(1000):
                    answer += chunk
            assert b" 503 " not in answer  # it had a slot: the deadline, not the cap, closed it
            assert time.monotonic() - started < BODY_TIMEOUT + 5
        finally:
            for sock in (*idle, *partial, body):
                sock.close()

