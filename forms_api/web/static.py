"""The built site, served as a static server does: precompressed, validated, cached.

Every file of the site is indexed once at start-up, with the `.br`/`.gz` variants that
`forms_api.build.precompress` wrote beside it; files up to `MEMORY_LIMIT` are held in memory,
so a request costs a dictionary lookup and two ASGI messages (no thread, no compression).
Answers carry a strong `ETag` and `Last-Modified` and honour `If-None-Match`/
`If-Modified-Since` with 304; Material's hashed bundles are cached for a year (`immutable`),
everything else revalidates (`no-cache`), so a new release shows at once.

Chosen over `servestatic` (WhiteNoise for ASGI): it reads each file through a worker thread
per request, serves the site's 404 page only through the app behind it, and would be one
more dependency for what fits in this module; nginx serves the site itself in production.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

from starlette.responses import FileResponse
from starlette.types import ASGIApp, Receive, Scope, Send

MEMORY_LIMIT = 2 * 1024 * 1024  # larger files (the offline zip) are streamed from disk
HASHED_ASSET = re.compile(r"^assets/.+\.[0-9a-f]{8,}\.min\.(js|css)$")
IMMUTABLE = b"public, max-age=31536000, immutable"
REVALIDATE = b"no-cache"
ENCODINGS = ((".br", "br"), (".gz", "gzip"))  # in order of preference
TEXT_TYPES = ("text/", "application/javascript", "application/json", "application/xml",
              "image/svg+xml")


@dataclass
class Variant:
    """One representation of a file: the plain bytes or one compressed encoding."""

    path: Path
    size: int
    etag: bytes
    data: bytes | None  # None: streamed from `path`
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


@dataclass
class Entry:
    """A file of the site with its variants by content coding ("" is the plain file)."""

    variants: dict[str, Variant]
    mtime: float


def _media_type(path: Path) -> str:
    guessed, coding = mimetypes.guess_type(path.name)
    if coding is not None:  # a file published compressed (sitemap.xml.gz): a download
        return "application/gzip" if coding == "gzip" else "application/octet-stream"
    guessed = guessed or "application/octet-stream"
    if guessed.startswith(TEXT_TYPES) and "charset" not in guessed:
        guessed += "; charset=utf-8"
    return guessed


def _variant(path: Path, rel: str, coding: str, media_type: str, compressed: bool,
             mtime: float) -> Variant:
    size = path.stat().st_size
    data = path.read_bytes() if size <= MEMORY_LIMIT else None
    digest = hashlib.blake2b(data if data is not None else f"{size}-{mtime}".encode(),
                             digest_size=12).hexdigest()
    etag = f'"{digest}{"-" + coding if coding else ""}"'.encode()
    headers = [(b"content-type", media_type.encode()), (b"content-length", str(size).encode()),
               (b"etag", etag), (b"last-modified", formatdate(mtime, usegmt=True).encode()),
               (b"cache-control", IMMUTABLE if HASHED_ASSET.match(rel) else REVALIDATE)]
    if compressed:
        headers.append((b"vary", b"Accept-Encoding"))
    if coding:
        headers.append((b"content-encoding", coding.encode()))
    return Variant(path, size, etag, data, headers)


def index_site(site_dir: Path) -> dict[str, Entry]:
    """Every file of `site_dir` by URL path ("/a/b.css"; a directory's index.html also at "/a/")."""
    entries: dict[str, Entry] = {}
    files = {p for p in site_dir.rglob("*") if p.is_file()
             and not any(part.startswith(".") for part in p.relative_to(site_dir).parts)}
    for path in sorted(files):
        rel = path.relative_to(site_dir).as_posix()
        mtime = path.stat().st_mtime
        media_type = _media_type(path)
        found = [(coding, path.with_name(path.name + suffix)) for suffix, coding in ENCODINGS]
        found = [(coding, p) for coding, p in found if p in files]
        variants = {"": _variant(path, rel, "", media_type, bool(found), mtime)}
        for coding, variant_path in found:
            variants[coding] = _variant(variant_path, rel, coding, media_type, True, mtime)
        entry = Entry(variants, mtime)
        entries["/" + rel] = entry
        if path.name == "index.html":
            entries["/" + rel[:-len("index.html")]] = entry
    return entries


def accepted_codings(header: str) -> set[str]:
    """The content codings an `Accept-Encoding` value allows (q=0 refuses one)."""
    accepted: set[str] = set()
    for item in header.lower().split(","):
        name, _, params = item.partition(";")
        name = name.strip()
        q = params.strip()
        if q.startswith("q="):
            try:
                if float(q[2:]) <= 0:
                    continue
            except ValueError:
                continue
        if name:
            accepted.add(name)
    return accepted


def _not_modified(entry: Entry, variant: Variant, request_headers: dict[bytes, bytes]) -> bool:
    tags = request_headers.get(b"if-none-match")
    if tags is not None:
        wanted = {t.strip().removeprefix(b"W/") for t in tags.split(b",")}
        return b"*" in wanted or variant.etag in wanted
    since = request_headers.get(b"if-modified-since")
    if since is None:
        return False
    try:
        return int(entry.mtime) <= parsedate_to_datetime(since.decode("latin-1")).timestamp()
    except (TypeError, ValueError, IndexError):
        return False


class SiteIndex:
    """The built site's files, indexed once, and how to answer with one of them."""

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir
        self.entries = index_site(site_dir)
        self.not_found = self.entries.get("/404.html")

    async def answer(self, scope: Scope, receive: Receive, send: Send, entry: Entry | None,
                     status: int = 200) -> None:
        """Send `entry` (the site's 404 page when None) in the best coding the client takes."""
        head = scope["method"] == "HEAD"
        if entry is None:
            entry, status = self.not_found, 404
            if entry is None:
                await _plain(send, 404, b"Not Found", [], head)
                return
        headers = dict(scope["headers"])
        variant = entry.variants[""]
        if len(entry.variants) > 1:
            codings = accepted_codings(headers.get(b"accept-encoding", b"").decode("latin-1"))
            variant = next((entry.variants[c] for c in ("br", "gzip")
                            if c in entry.variants and c in codings), variant)
        if status == 200 and _not_modified(entry, variant, headers):
            kept = [h for h in variant.headers if h[0] in NOT_MODIFIED_HEADERS]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
        if variant.data is None:
            response = FileResponse(variant.path, status_code=status,
                                    headers={k.decode(): v.decode() for k, v in variant.headers
                                             if k != b"content-length"})
            await response(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": status,
                    "headers": list(variant.headers)})
        await send({"type": "http.response.body", "body": b"" if head else variant.data})


NOT_MODIFIED_HEADERS = frozenset({b"etag", b"cache-control", b"vary", b"last-modified"})


async def _plain(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]],
                 head: bool) -> None:
    headers = [*headers, (b"content-type", b"text/plain; charset=utf-8"),
               (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


class StaticSite:
    """Middleware answering GET/HEAD for the site's files before any routing or compression.

    `dynamic` paths (the pages the server fills) and everything under `prefixes` (/api,
    /admin) go on to `app`; any other path is the site's: a file, a redirect to its
    directory's slash, or the site's 404 page.
    """

    def __init__(self, app: ASGIApp, site: SiteIndex, dynamic: Iterable[str] = (),
                 prefixes: tuple[str, ...] = ("/api", "/admin")) -> None:
        self.app = app
        self.site = site
        self.dynamic = frozenset(dynamic)
        self.prefixes = prefixes
        self.exact = self.dynamic | frozenset(prefixes)
        self.below = tuple(p + "/" for p in prefixes)

    def passes(self, path: str) -> bool:
        """Whether `path` goes on to the app (a filled page, or under a prefix)."""
        return path in self.exact or path.startswith(self.below)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.passes(scope["path"]):
            await self.app(scope, receive, send)
            return
        await self.serve(scope, receive, send)

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a path of the site (one `passes` refused)."""
        method, path = scope["method"], scope["path"]
        if method not in ("GET", "HEAD"):
            await _plain(send, 405, b"Method Not Allowed", [(b"allow", b"GET, HEAD")], False)
            return
        entry = self.site.entries.get(path)
        if entry is None and not path.endswith("/") and path + "/" in self.site.entries:
            query = scope.get("query_string", b"")
            target = (path + "/").encode("utf-8") + (b"?" + query if query else b"")
            await _plain(send, 307, b"", [(b"location", target)], True)
            return
        await self.site.answer(scope, receive, send, entry)


class NotFoundPage:
    """The site's 404 page as an ASGI app: the router's last route, for unknown app paths."""

    def __init__(self, site: SiteIndex) -> None:
        self.site = site

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.site.answer(scope, receive, send, None)
