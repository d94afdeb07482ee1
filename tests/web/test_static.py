"""The built site served like a static server: precompressed at build time, validated, cached."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from pathlib import Path

import brotli
import pytest
from starlette.testclient import TestClient

from forms_api.build import COMPRESSIBLE
from forms_api.web.static import accepted_codings

PAGE = "/guidance/junior/"


def raw(client: TestClient, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and the body exactly as sent (not decompressed)."""
    with client.stream("GET", path, headers=headers) as response:
        return response.status_code, dict(response.headers), b"".join(response.iter_raw())


def bundle(site: Path) -> str:
    return next((site / "assets" / "javascripts").glob("bundle.*.min.js")).name


def test_the_build_writes_a_gzip_and_brotli_copy_of_each_text_file(built_site: Path) -> None:
    texts = [p for p in built_site.rglob("*") if p.suffix in COMPRESSIBLE and p.stat().st_size > 2048]
    assert len(texts) > 20
    for path in texts:
        data = path.read_bytes()
        assert gzip.decompress((path.parent / (path.name + ".gz")).read_bytes()) == data, path
        assert brotli.decompress((path.parent / (path.name + ".br")).read_bytes()) == data, path
    assert not list(built_site.rglob("*.png.gz")) and not list(built_site.rglob("*.zip.gz"))


@pytest.mark.parametrize(("accept", "coding", "suffix"), [
    ("gzip, deflate, br", "br", ".br"), ("gzip", "gzip", ".gz"), ("br;q=0, gzip", "gzip", ".gz"),
    ("", None, ""), ("identity", None, "")])
def test_the_precompressed_file_is_sent_as_it_is(client: TestClient, built_site: Path,
                                                 accept: str, coding: str | None,
                                                 suffix: str) -> None:
    on_disk = (built_site / "guidance/junior/index.html").with_name("index.html" + suffix)
    status, headers, body = raw(client, PAGE, **{"Accept-Encoding": accept})
    assert status == 200
    assert body == on_disk.read_bytes()  # byte for byte: nothing compressed per request
    assert headers.get("content-encoding") == coding
    assert headers["content-length"] == str(on_disk.stat().st_size)
    assert headers["vary"] == "Accept-Encoding"
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["x-content-type-options"] == "nosniff"  # the security headers still apply


def test_pages_revalidate_and_hashed_bundles_are_immutable(client: TestClient,
                                                           built_site: Path) -> None:
    page = client.get(PAGE)
    assert page.headers["cache-control"] == "no-cache"
    asset = client.get(f"/assets/javascripts/{bundle(built_site)}")
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    plain_css = client.get("/assets/css/portal.css")
    assert plain_css.status_code == 200 and plain_css.headers["cache-control"] == "no-cache"


def test_etag_and_last_modified_answer_304(client: TestClient) -> None:
    first = client.get(PAGE, headers={"Accept-Encoding": "gzip"})
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert re.fullmatch(r'"[0-9a-f]{24}-gzip"', etag)
    again = client.get(PAGE, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and again.headers["cache-control"] == "no-cache"
    # Another coding is another representation: its own ETag, so no 304 for the gzip one.
    plain = client.get(PAGE, headers={"Accept-Encoding": "identity", "If-None-Match": etag})
    assert plain.status_code == 200 and plain.headers["etag"] != etag
    since = client.get(PAGE, headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    older = client.get(PAGE, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert older.status_code == 200


def test_directories_404_and_methods(client: TestClient) -> None:
    index = client.get("/")
    assert index.status_code == 200 and "心育驿站" in index.text
    moved = client.get("/guidance/junior?x=1", follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == "/guidance/junior/?x=1"
    for missing in ("/no-such-page/", "/assets/none.js", "/admin/no-such-page/"):
        answer = client.get(missing)
        assert answer.status_code == 404, missing
        assert "text/html" in answer.headers["content-type"] and "404" in answer.text
    head = client.head(PAGE)
    assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 0
    assert client.post(PAGE).status_code == 405


def test_the_pages_the_server_fills_are_still_filled(client: TestClient) -> None:
    attend = client.get("/attend/", headers={"Accept-Encoding": "gzip"})
    assert attend.status_code == 200 and 'name="code"' in attend.text  # the code finder
    assert 'action="/attend/"' in attend.text
    volunteer = client.get("/volunteer/")
    assert 'name="form_token"' in volunteer.text
    status = client.get("/booking/status/")
    assert status.status_code == 200 and 'name="form_token"' in status.text


def test_every_inline_script_of_a_served_page_is_allowed_by_the_csp(client: TestClient) -> None:
    import base64
    import hashlib

    for path in ("/", PAGE, "/attend/"):
        page = client.get(path, headers={"Accept-Encoding": "br"})
        csp = page.headers["content-security-policy"]
        scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.+?)</script>", page.text, re.S)
        inline = [body for attrs, body in scripts if "application/json" not in attrs and body.strip()]
        assert inline, path
        for body in inline:
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in csp, path


def test_accept_encoding_parsing() -> None:
    assert accepted_codings("gzip, deflate, br") == {"gzip", "deflate", "br"}
    assert accepted_codings("br;q=0, GZIP;q=0.5") == {"gzip"}
    assert accepted_codings("gzip;q=bogus, br") == {"br"}
    assert accepted_codings("") == set()


def test_the_build_writes_the_nginx_headers_and_the_app_never_serves_them(
        client: TestClient, built_site: Path) -> None:
    conf = (built_site / ".nginx" / "security-headers.conf").read_text(encoding="utf-8")
    csp = client.get(PAGE).headers["content-security-policy"]
    assert f'add_header Content-Security-Policy "{csp}" always;' in conf
    assert 'add_header X-Frame-Options "DENY" always;' in conf
    assert client.get("/.nginx/security-headers.conf").status_code == 404


def test_files_too_large_for_memory_are_streamed_from_disk(
        make_client: Callable[..., TestClient], built_site: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("forms_api.web.static.MEMORY_LIMIT", 1000)
    client = make_client()
    name = bundle(built_site)
    status, headers, body = raw(client, f"/assets/javascripts/{name}", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert body == (built_site / "assets/javascripts" / (name + ".gz")).read_bytes()
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    again = client.get(f"/assets/javascripts/{name}",
                       headers={"Accept-Encoding": "gzip", "If-None-Match": headers["etag"]})
    assert again.status_code == 304
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and "404" in missing.text
