"""The deployment files in deploy/: valid for their tools, true to the CLI, and working live.

The nginx site is rendered into a complete configuration (ports, certificate and paths moved
into a temporary directory; every substitution must match exactly once, so a changed template
breaks this test rather than slipping past it), checked with `nginx -t`, then run in front of
a real `portal serve` started with the unit's own ExecStart options.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import httpx
import pytest

from forms_api.app import DOMAINS
from forms_api.build import NGINX_HEADERS
from forms_api.cli import make_parser
from forms_api.settings import PROJECT_ROOT, Settings
from tests.conftest import assert_error
from tests.servers import Server, free_port

DEPLOY = PROJECT_ROOT / "deploy"
UNIT = DEPLOY / "systemd" / "xinyu-portal.service"
BACKUP_UNIT = DEPLOY / "systemd" / "xinyu-portal-backup.service"
TIMER = DEPLOY / "systemd" / "xinyu-portal-backup.timer"
PURGE_UNIT = DEPLOY / "systemd" / "xinyu-portal-purge.service"
PURGE_TIMER = DEPLOY / "systemd" / "xinyu-portal-purge.timer"
INSTANCE_UNIT = DEPLOY / "systemd" / "xinyu-portal@.service"
UNITS = (UNIT, BACKUP_UNIT, TIMER, PURGE_UNIT, PURGE_TIMER, INSTANCE_UNIT)
SITE = DEPLOY / "nginx" / "xinyu-portal.conf"
ENV_EXAMPLE = DEPLOY / "portal.env.example"
HOST = "portal.example.edu.cn"
SETTING_VARS = {f.metadata["env"] for f in fields(Settings)}


def _need(tool: str, in_ci: bool = True) -> str:
    """The tool's path; skip without it, except in CI where .ci/run installs it (`in_ci`)."""
    found = shutil.which(tool) or next(
        (p for p in (f"/usr/sbin/{tool}", f"/sbin/{tool}") if os.access(p, os.X_OK)), None)
    if found is None:
        if in_ci and os.environ.get("CI"):
            pytest.fail(f"{tool} is not installed; .ci/run installs it")
        pytest.skip(f"{tool} is not installed here")
    return found


def _unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """Sections of a unit file: each key with every value it is given (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not a key=value line: {raw!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def _one(path: Path, section: str, key: str) -> str:
    values = _unit(path)[section][key]
    assert len(values) == 1, (path.name, key, values)
    return values[0]


def _exec_start(path: Path) -> list[str]:
    return shlex.split(_one(path, "Service", "ExecStart"))


# --------------------------------------------------------------------------- systemd units


def test_unit_runs_one_serve_worker_with_real_options() -> None:
    argv = _exec_start(UNIT)
    assert argv[0] == "/opt/xinyu-portal/.venv/bin/portal"
    args = make_parser().parse_args(argv[1:])  # exits (fails) on an option the CLI lacks
    assert args.command == "serve"
    assert (args.host, args.port) == ("127.0.0.1", 8000)
    assert args.forwarded_allow_ips == "127.0.0.1"
    assert "--workers" not in argv


def test_unit_is_hardened() -> None:
    service = {key: values[-1] for key, values in _unit(UNIT)["Service"].items()}
    assert service["User"] == "xinyu-portal" and service["Restart"] == "on-failure"
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict",
                       "ProtectHome": "yes", "PrivateTmp": "yes", "CapabilityBoundingSet": "",
                       "StateDirectory": "xinyu-portal", "UMask": "0077"}.items():
        assert service[key] == value, key
    assert "/var/lib/xinyu-portal" in service["ReadWritePaths"].split()
    assert "PORTAL_DATA_DIR=/var/lib/xinyu-portal" in _unit(UNIT)["Service"]["Environment"]


@pytest.mark.parametrize("path", [UNIT, BACKUP_UNIT, PURGE_UNIT, INSTANCE_UNIT])
def test_units_set_only_real_settings(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for name in re.findall(r"^Environment=(\w+)=", text, re.M):
        assert name in SETTING_VARS, name
    example = ENV_EXAMPLE.read_text(encoding="utf-8")
    for name in re.findall(r"^#?(PORTAL_\w+)=", example, re.M):
        assert name in SETTING_VARS, name


def test_backup_unit_runs_portal_backup_daily() -> None:
    argv = _exec_start(BACKUP_UNIT)
    assert argv[0] == "/opt/xinyu-portal/.venv/bin/portal" and argv[1] == "backup"
    args = make_parser().parse_args(argv[1:])
    assert args.command == "backup"
    assert _one(BACKUP_UNIT, "Service", "Type") == "oneshot"
    assert _one(BACKUP_UNIT, "Service", "User") == "xinyu-portal"
    assert _unit(BACKUP_UNIT)["Service"]["Environment"] == _unit(UNIT)["Service"]["Environment"]
    assert _one(TIMER, "Timer", "OnCalendar").startswith("*-*-* ")
    assert _one(TIMER, "Timer", "Persistent") == "true"
    assert _one(TIMER, "Timer", "Unit") == BACKUP_UNIT.name


def test_purge_unit_runs_portal_purge_daily_after_the_backup() -> None:
    argv = _exec_start(PURGE_UNIT)
    assert argv[0] == "/opt/xinyu-portal/.venv/bin/portal" and argv[1:] == ["purge"]
    assert make_parser().parse_args(argv[1:]).command == "purge"
    assert _unit(PURGE_UNIT)["Service"]["Environment"] == _unit(UNIT)["Service"]["Environment"]
    assert _one(PURGE_TIMER, "Timer", "Unit") == PURGE_UNIT.name
    backup_at = _one(TIMER, "Timer", "OnCalendar").split()[1]
    purge_at = _one(PURGE_TIMER, "Timer", "OnCalendar").split()[1]
    assert purge_at > backup_at  # the day's backup, with its 10 min random delay, comes first
    assert int(purge_at[:2]) * 60 + int(purge_at[3:5]) >= int(backup_at[:2]) * 60 + int(backup_at[3:5]) + 15


def _instance(name: str) -> str:
    """A template unit (`name@.service`) can only be verified as one of its instances."""
    return name.replace("@.", "@8001.")


def test_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = _need("systemd-analyze", in_ci=False)  # not in every CI container
    venv_bin = Path(os.environ.get("VIRTUAL_ENV", PROJECT_ROOT / ".venv")) / "bin"
    env_file = tmp_path / "portal.env"
    env_file.write_text(ENV_EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    for source in UNITS:
        text = source.read_text(encoding="utf-8")
        text = text.replace("/opt/xinyu-portal/.venv/bin/", f"{PROJECT_ROOT / '.venv' / 'bin'}/")
        text = text.replace("/etc/xinyu-portal/portal.env", str(env_file))
        (tmp_path / _instance(source.name)).write_text(text, encoding="utf-8")
    assert (venv_bin / "portal").exists() or (PROJECT_ROOT / ".venv/bin/portal").exists()
    result = subprocess.run(
        [analyze, "verify", "--man=no", *(str(tmp_path / _instance(p.name)) for p in UNITS)],
        capture_output=True, text=True, timeout=60, check=False)
    problems = [line for line in (result.stdout + result.stderr).splitlines()
                if "xinyu-portal" in line or "Unknown" in line or "Failed" in line]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr


# --------------------------------------------------------------------------- nginx


def _cert(directory: Path) -> tuple[Path, Path]:
    openssl = _need("openssl")
    cert, key = directory / "fullchain.pem", directory / "privkey.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", f"/CN={HOST}",
                    "-addext", f"subjectAltName=DNS:{HOST}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def _sub(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"the nginx template no longer has exactly one {old!r}"
    return text.replace(old, new)


def render_nginx(directory: Path, http_port: int, https_port: int, app_port: int,
                 site_dir: Path) -> Path:
    """A complete nginx.conf around deploy/nginx/xinyu-portal.conf, rooted in `directory`."""
    cert, key = _cert(directory)
    site = SITE.read_text(encoding="utf-8")
    site = _sub(site, "root /opt/xinyu-portal/site;", f"root {site_dir};")
    include = "include /opt/xinyu-portal/site/.nginx/security-headers.conf;"
    assert site.count(include) == 2, "the nginx template no longer includes the headers twice"
    site = site.replace(include, f"include {site_dir / NGINX_HEADERS};")
    site = _sub(site, "    listen 80;\n", f"    listen 127.0.0.1:{http_port};\n")
    site = _sub(site, "    listen [::]:80;\n", "")
    site = _sub(site, "    listen 443 ssl http2;\n", f"    listen 127.0.0.1:{https_port} ssl http2;\n")
    site = _sub(site, "    listen [::]:443 ssl http2;\n", "")
    site = _sub(site, "/etc/ssl/xinyu-portal/fullchain.pem", str(cert))
    site = _sub(site, "/etc/ssl/xinyu-portal/privkey.pem", str(key))
    site = _sub(site, "server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
    site = _sub(site, "/var/log/nginx/xinyu-portal.error.log", str(directory / "site-error.log"))
    site = _sub(site, "root /var/www/acme;", f"root {directory / 'acme'};")
    temp = "\n".join(f"    {kind}_temp_path {directory / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = directory / "nginx.conf"
    # As root, nginx's workers run as nobody, who cannot read pytest's 0700 temporary site.
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(f"""
{user}
pid {directory / 'nginx.pid'};
error_log {directory / 'error.log'} warn;
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
{temp}
{site}
}}
""", encoding="utf-8")
    return conf


def test_nginx_accepts_the_site(tmp_path: Path, built_site: Path) -> None:
    nginx = _need("nginx")
    conf = render_nginx(tmp_path, free_port(), free_port(), 8000, built_site)
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    assert "[emerg]" not in result.stderr


@pytest.fixture
def proxied(built_site: Path, tmp_path: Path) -> Iterator[tuple[str, Server]]:
    """nginx (deploy/nginx) → portal serve (the unit's ExecStart options), both on loopback."""
    nginx = _need("nginx")
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    argv = _exec_start(UNIT)
    options = argv[argv.index("serve") + 1:]
    extra: list[str] = []  # everything but --host/--port, which Server sets
    pairs = iter(options)
    for option in pairs:
        value = next(pairs)
        if option not in ("--host", "--port"):
            extra += [option, value]
    server = Server(built_site, tmp_path / "data", args=extra, port=app_port, env={
        "PORTAL_ALLOWED_HOSTS": HOST, "PORTAL_RATE_LIMIT": "3"})
    conf = render_nginx(tmp_path, http_port, https_port, app_port, built_site)
    proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        server.start()
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{http_port}/", timeout=1)
                break
            except httpx.TransportError:
                assert proxy.poll() is None, proxy.stderr.read() if proxy.stderr else ""
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        yield f"{https_port}|{http_port}", server
    finally:
        proxy.terminate()
        proxy.wait(timeout=20)
        if proxy.stderr is not None:
            proxy.stderr.close()
        server.stop()


def test_nginx_in_front_of_portal_serve(proxied: tuple[str, Server], built_site: Path) -> None:
    ports, _server = proxied
    https_port, http_port = ports.split("|")
    origin = f"https://{HOST}:{https_port}"
    base = f"https://127.0.0.1:{https_port}"
    host = {"Host": f"{HOST}:{https_port}"}
    with httpx.Client(verify=False, timeout=10) as client:
        # Plain HTTP goes to HTTPS.
        plain = client.get(f"http://127.0.0.1:{http_port}/booking/", headers=host)
        assert plain.status_code == 301
        assert plain.headers["location"] == f"https://{HOST}/booking/"

        # Pages: HSTS, the app's headers, no long cache, gzip.
        page = client.get(f"{base}/", headers={**host, "Accept-Encoding": "gzip"})
        assert page.status_code == 200 and "心育驿站" in page.text
        assert page.headers["strict-transport-security"] == "max-age=31536000"
        assert page.headers.get_list("cache-control") == ["no-cache"]
        assert page.headers["content-encoding"] == "gzip"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert "server" not in page.headers or "nginx/" not in page.headers["server"]

        # Hashed theme bundles: cached for a year; the API: never stored.
        bundle = next((built_site / "assets" / "javascripts").glob("bundle.*.min.js"))
        asset = client.get(f"{base}/assets/javascripts/{bundle.name}", headers=host)
        assert asset.status_code == 200
        assert asset.headers.get_list("cache-control") == ["public, max-age=31536000, immutable"]
        assert asset.headers["strict-transport-security"] == "max-age=31536000"
        plain_css = client.get(f"{base}/assets/css/portal.css", headers=host)
        assert "immutable" not in plain_css.headers.get("cache-control", "")
        health = client.get(f"{base}/api/health", headers=host)
        assert health.json() == {"status": "ok"}
        assert health.headers.get_list("cache-control") == ["no-store"]

        # Hosts the portal is not configured for are refused by the app.
        assert client.get(f"{base}/api/health", headers={"Host": "evil.example"}).status_code == 400

        # Bodies: up to the app's 64 KiB it answers itself; far beyond, nginx cuts it off.
        big = b'{"bio": "' + b"x" * (80 * 1024) + b'"}'
        app_413 = client.post(f"{base}/api/bookings", content=big,
                              headers={**host, "Content-Type": "application/json"})
        assert_error(app_413, 413, "body_too_large")
        huge = client.post(f"{base}/api/bookings", content=b"x" * (200 * 1024),
                           headers={**host, "Content-Type": "application/json"})
        assert huge.status_code == 413

        # The app sees https (X-Forwarded-Proto from nginx, trusted): a same-origin write gets
        # past the origin check; a foreign one does not.
        ours = client.post(f"{base}/api/volunteers", json={},
                           headers={**host, "Origin": origin})
        assert ours.status_code == 422, ours.text
        theirs = client.post(f"{base}/api/volunteers", json={},
                             headers={**host, "Origin": "https://evil.example"})
        assert_error(theirs, 403, "cross_origin")

        # X-Forwarded-For from a client is replaced by nginx, so spoofing it does not escape
        # the per-client rate limit (3 a minute here; the 80 KiB body and the same-origin
        # submission counted, the refused cross-origin one never reached the form).
        for spoof in ("203.0.113.9",):
            spoofed = client.post(f"{base}/api/volunteers", json={},
                                  headers={**host, "X-Forwarded-For": spoof})
            assert spoofed.status_code == 422, spoofed.text
        limited = client.post(f"{base}/api/volunteers", json={},
                              headers={**host, "X-Forwarded-For": "203.0.113.10"})
        assert_error(limited, 429, "rate_limited")

        # Headers: oversized ones are refused by nginx before the app sees them.
        fat = client.get(f"{base}/api/health", headers={**host, "X-Fat": "y" * 20000})
        assert fat.status_code in (400, 431, 494)

    # Browsers speak HTTP/2, which has no Host header (:authority instead): the app must still
    # see the host and port the browser used. (429: the origin check passed, the limit is spent.)
    curl = shutil.which("curl")
    if curl is not None:
        for method_args, expected in ((["-X", "GET"], "2 200"),
                                      (["-X", "POST", "-H", "Content-Type: application/json",
                                        "-d", "{}", "-H", f"Origin: {origin}"], "2 429")):
            result = subprocess.run(
                [curl, "-sk", "--http2", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                 "--resolve", f"{HOST}:{https_port}:127.0.0.1", *method_args,
                 f"https://{HOST}:{https_port}/api/volunteers" if "POST" in method_args
                 else f"https://{HOST}:{https_port}/"],
                capture_output=True, text=True, timeout=30, check=False)
            assert result.stdout == expected, (method_args, result.stdout, result.stderr)


def test_nginx_proxies_exactly_the_pages_the_server_fills() -> None:
    text = SITE.read_text(encoding="utf-8")
    exact = set(re.findall(r"^    location = (/\S*) \{\n        proxy_pass ", text, re.M))
    prefixes = set(re.findall(r"^    location \^~ (/\S*) \{\n        proxy_pass ", text, re.M))
    filled = {r.path for d in DOMAINS for r in d.pages if hasattr(r, "path")}
    assert {"/api/", "/admin/"} <= prefixes
    # Every page the server fills reaches it, and nginx sends nothing else to the app.
    unreached = {p for p in filled if p not in exact and not p.startswith(tuple(prefixes))}
    assert not unreached, unreached
    assert exact - {"/api", "/admin"} <= filled


def _app_saw(server: Server, path: str) -> bool:
    """Whether the app logged a request for `path` (its access log: one JSON line each)."""
    assert server.stderr_path is not None
    for line in server.stderr_path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("{") and json.loads(line).get("path") == path:
            return True
    return False


def test_nginx_serves_the_site_itself_and_the_app_fills_its_pages(
        proxied: tuple[str, Server], built_site: Path) -> None:
    ports, server = proxied
    https_port = ports.split("|")[0]
    base = f"https://127.0.0.1:{https_port}"
    host = {"Host": f"{HOST}:{https_port}"}
    page_path = "/guidance/junior/"
    with httpx.Client(verify=False, timeout=10) as client:
        with client.stream("GET", f"{base}{page_path}",
                           headers={**host, "Accept-Encoding": "gzip"}) as page:
            body = b"".join(page.iter_raw())
        assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
        assert body == (built_site / "guidance/junior/index.html.gz").read_bytes()  # gzip_static
        assert page.headers.get_list("cache-control") == ["no-cache"]
        assert page.headers["x-content-type-options"] == "nosniff"
        etag = page.headers["etag"]
        again = client.get(f"{base}{page_path}", headers={
            **host, "Accept-Encoding": "gzip", "If-None-Match": etag})
        assert again.status_code == 304
        moved = client.get(f"{base}/guidance/junior", headers=host)
        assert moved.status_code == 301 and moved.headers["location"] == page_path
        missing = client.get(f"{base}/no-such-page/", headers=host)
        assert missing.status_code == 404 and "404" in missing.text
        assert "frame-ancestors 'none'" in missing.headers["content-security-policy"]
        assert client.get(f"{base}/.nginx/security-headers.conf", headers=host).status_code == 404

        # The pages the server fills go to the app, and get the same CSP as the files.
        attend = client.get(f"{base}/attend/", headers=host)
        assert attend.status_code == 200 and "f-finder-code" in attend.text
        assert "f-finder-code" not in (built_site / "attend/index.html").read_text(encoding="utf-8")
        assert attend.headers["content-security-policy"] == page.headers["content-security-policy"]
        assert attend.headers.get_list("cache-control") == ["no-cache"]
    time.sleep(0.2)  # the app's log line is written after its answer
    assert _app_saw(server, "/attend/")
    assert not _app_saw(server, page_path) and not _app_saw(server, "/no-such-page/")
