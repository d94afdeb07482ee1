"""Two `portal serve` on one PostgreSQL database behind a live nginx, restarted one at a time.

The nginx conf is deploy/nginx/xinyu-portal.conf with its upstream replaced by
deploy/nginx/upstream-instances.conf's (two servers, passive health checks) and its
proxy_next_upstream lines. Under a light check-in load: no answer is a 5xx, and every check-in
answered 201 is in the database.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from forms_api.trainings.records import ATTENDANCE
from tests.conftest import assert_error
from tests.forms_support import ADMIN, ADMIN_TOKEN, check_in_body, make_session
from tests.pgcluster import Cluster
from tests.servers import Server, free_port
from tests.test_deploy import DEPLOY, HOST, _need, render_nginx

UPSTREAM = DEPLOY / "nginx" / "upstream-instances.conf"
FAIL_TIMEOUT = int(re.findall(r"fail_timeout=(\d+)s", UPSTREAM.read_text(encoding="utf-8"))[0])

pytestmark = pytest.mark.slow


def _two_upstreams(conf: Path, first: int, second: int, limit: str | None = None) -> None:
    """The upstream of upstream-instances.conf with its retry lines; with `limit` (a
    replacement for its `rate=10r/s burst=600`), its limit_req statements too."""
    text = conf.read_text(encoding="utf-8")
    if limit is not None:
        text = _with_limit(text, limit)
    block = re.search(r"^upstream xinyu_portal \{.*?\n\}", UPSTREAM.read_text(encoding="utf-8"),
                      re.S | re.M)
    assert block is not None
    upstream = block[0].replace("127.0.0.1:8001", f"127.0.0.1:{first}").replace(
        "127.0.0.1:8002", f"127.0.0.1:{second}")
    text, found = re.subn(r"^upstream xinyu_portal \{.*?\n\}", upstream, text, count=1, flags=re.S | re.M)
    assert found == 1
    retry = [line.strip("# ").strip() for line in UPSTREAM.read_text(encoding="utf-8").splitlines()
             if line.startswith("#   proxy_next_upstream")]
    assert retry, "upstream-instances.conf no longer lists its proxy_next_upstream lines"
    text = text.replace("    proxy_http_version 1.1;\n",
                        "    proxy_http_version 1.1;\n" + "".join(f"    {r}\n" for r in retry), 1)
    conf.write_text(text, encoding="utf-8")


def _with_limit(text: str, limit: str) -> str:
    source = UPSTREAM.read_text(encoding="utf-8")
    zone = re.search(r'^map "\$request_method:\$uri".*?\n\}\nlimit_req_zone [^\n]*;$', source,
                     re.S | re.M)
    assert zone is not None, "upstream-instances.conf no longer defines its limit_req zone"
    rate, burst = limit.split()
    http = re.sub(r"rate=\S+;", f"rate={rate};", zone[0])
    tail = source[source.index("# and these into the HTTPS `server` block"):].splitlines()[1:]
    server = [line[4:] for line in tail if line.startswith("#   ")]
    assert server and server[0].startswith("limit_req zone=xinyu_public"), server
    server[0] = re.sub(r"burst=\d+", f"burst={burst}", server[0])
    text = text.replace("\nupstream xinyu_portal {", f"\n{http}\n\nupstream xinyu_portal {{", 1)
    return text.replace("    proxy_http_version 1.1;\n",
                        "".join(f"    {line}\n" for line in server) + "    proxy_http_version 1.1;\n",
                        1)


@contextlib.contextmanager
def _behind_nginx(built_site: Path, tmp_path: Path, url: str, *, limit: str | None = None,
                  **env: str) -> Iterator[tuple[list[Server], str, dict[str, str]]]:
    """Two `portal serve` on database `url` behind a live nginx (upstream-instances.conf),
    started and answering: yields the servers, nginx's base URL and the Host/Origin headers."""
    nginx = _need("nginx")
    ports = [free_port(), free_port()]
    servers = [Server(built_site, tmp_path / f"data-{port}", port=port,
                      args=["--forwarded-allow-ips", "127.0.0.1"],
                      env={"PORTAL_DATABASE_URL": url, "PORTAL_ALLOWED_HOSTS": HOST,
                           "PORTAL_ADMIN_TOKEN": ADMIN_TOKEN, **env})
               for port in ports]
    http_port, https_port = free_port(), free_port()
    conf = render_nginx(tmp_path, http_port, https_port, ports[0], built_site)
    _two_upstreams(conf, ports[0], ports[1], limit=limit)
    check = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf)],
                           capture_output=True, text=True, timeout=60, check=False)
    assert check.returncode == 0, check.stderr
    proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"https://127.0.0.1:{https_port}"
    host = {"Host": f"{HOST}:{https_port}", "Origin": f"https://{HOST}:{https_port}"}
    try:
        for server in servers:
            server.start()
        with httpx.Client(base_url=base, headers=host, verify=False, timeout=10) as client:
            deadline = time.monotonic() + 20
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if client.get("/api/health").status_code == 200:
                        break
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        yield servers, base, host
    finally:
        proxy.terminate()
        proxy.wait(timeout=20)
        for server in servers:
            server.stop()


def test_nginx_counts_the_public_limit_once_for_every_instance(
        built_site: Path, tmp_path: Path, pg_cluster: Cluster) -> None:
    """With nginx's limit_req an address gets the limit once, not once per instance (the
    instances' own limit is off here, so every 429 is nginx's); reads and admin writes pass."""
    url = pg_cluster.new_database()
    with _behind_nginx(built_site, tmp_path, url, limit="1r/m 3",
                       PORTAL_RATE_LIMIT="0") as (servers, base, host), httpx.Client(
            base_url=base, headers=host, verify=False, timeout=10) as client:
        # 1 + a burst of 3 reach the app (422: an empty form), shared by both instances.
        codes = [client.post("/api/volunteers", json={}).status_code for _ in range(6)]
        assert codes == [422] * 4 + [429] * 2, codes
        limited = client.post("/api/volunteers", json={})
        assert_error(limited, 429, "rate_limited")
        assert limited.headers["retry-after"] == "60"
        assert client.get("/api/health").status_code == 200
        made = client.post("/api/admin/trainings", json={}, headers=ADMIN)
        assert made.status_code == 422, made.text  # an admin write is not counted
    seen = sum(_app_saw_posts(server) for server in servers)
    assert seen == 4, seen


def _app_saw_posts(server: Server) -> int:
    """How many public POSTs the instance answered itself (its access log)."""
    assert server.stderr_path is not None
    lines = server.stderr_path.read_text(encoding="utf-8", errors="replace").splitlines()
    return sum(1 for line in lines if line.startswith("{") and '"path":"/api/volunteers"' in line
               and '"method":"POST"' in line)


def test_rolling_restart_under_load_loses_nothing(
        built_site: Path, tmp_path: Path, pg_cluster: Cluster) -> None:
    url = pg_cluster.new_database()
    answers: list[int] = []
    stop = threading.Event()
    with _behind_nginx(built_site, tmp_path, url) as (servers, base, host), httpx.Client(
            base_url=base, headers=host, verify=False, timeout=10) as client:
        session = make_session(client, capacity=5000)  # type: ignore[arg-type]

        def load() -> None:
            n = 0
            with httpx.Client(base_url=base, headers=host, verify=False, timeout=10) as c:
                while not stop.is_set():
                    n += 1
                    body = check_in_body(session, phone=f"139{n:08d}")
                    # Not answered (a transport error) is allowed: the client tries again.
                    with contextlib.suppress(httpx.TransportError):
                        answers.append(c.post(f"/api/trainings/{session['id']}/attendance",
                                              json=body).status_code)
                    time.sleep(0.01)

        worker = threading.Thread(target=load)
        worker.start()
        try:
            time.sleep(1)
            for server in servers:  # the rolling restart, one instance at a time
                server.stop()
                time.sleep(0.5)
                server.start()
                # nginx keeps a failed server out for fail_timeout even once it answers again:
                # the next instance may stop only after that (README, the rolling restart).
                time.sleep(FAIL_TIMEOUT + 1)
        finally:
            stop.set()
            worker.join(timeout=30)
        assert client.get("/api/admin/trainings", headers=ADMIN).status_code == 200
    assert len(answers) > 50, answers
    assert not [code for code in answers if code >= 500], answers
    created = answers.count(201)
    assert created == len(answers), sorted(set(answers))
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM portal_documents WHERE collection = %s",
                           (ATTENDANCE,)).fetchone()
    assert row is not None and row[0] == created
