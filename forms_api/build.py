"""Building the site with MkDocs (strict): the served site, and the offline zip edition."""

from __future__ import annotations

import contextlib
import gzip
import os
import tempfile
import zipfile
from pathlib import Path

from forms_api.settings import PROJECT_ROOT
from forms_api.web.security import nginx_headers

CONFIG_FILE = PROJECT_ROOT / "mkdocs.yml"
# Where the served site offers the offline edition; the home page links here.
OFFLINE_ZIP_IN_SITE = Path("downloads/xinyu-offline.zip")
OFFLINE_ROOT = "心育驿站-离线版"
# The security headers for nginx (deploy/nginx includes it); a dot-directory: never served.
NGINX_HEADERS = Path(".nginx/security-headers.conf")
# Text the server (and nginx's gzip_static) sends compressed; images, fonts, zips are not, nor
# source maps (only developer tools fetch them, and they are most of the compression time).
COMPRESSIBLE = frozenset({".html", ".css", ".js", ".json", ".xml", ".svg", ".txt"})
# A variant is kept only when it saves at least this share: else the plain file is sent.
MIN_SAVING = 0.05


def build_site(site_dir: Path, *, offline: bool = False, config_file: Path = CONFIG_FILE,
               site_url: str | None = None) -> Path:
    """Build the site strictly into `site_dir`; any warning fails the build."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    site_dir = Path(site_dir).resolve()
    # pymdownx.snippets resolves its base_path against the working directory.
    with contextlib.chdir(config_file.parent):
        config = load_config(config_file=str(config_file), strict=True, site_dir=str(site_dir))
        # The offline plugin reads `enabled` when its events run, so this is enough to
        # switch to file:// links, the inlined search index and the vendored worker shim.
        config.plugins["material/offline"].config.enabled = offline
        config.extra["portal_site_url"] = site_url or ""  # read by hooks/forms.py
        build(config)
    if not offline:  # the offline edition is opened from file://, which never negotiates
        precompress(site_dir)
        # nginx serves the files itself and must send the app's headers, this build's CSP too.
        (site_dir / NGINX_HEADERS).parent.mkdir(exist_ok=True)
        (site_dir / NGINX_HEADERS).write_text(nginx_headers(site_dir), encoding="utf-8")
    return site_dir


def precompress(site_dir: Path) -> int:
    """Write `.gz` (and `.br`, with the brotli package) beside each text file; return how many.

    The server and nginx (`gzip_static`) send these as they are, so no request compresses a
    file of the built site. Each variant keeps its file's mtime, so Last-Modified agrees.
    """
    try:
        from brotli import compress as brotli_compress
    except ImportError:  # optional: gzip alone serves every browser
        brotli_compress = None
    written = 0
    for path in sorted(site_dir.rglob("*")):
        if path.suffix not in COMPRESSIBLE or not path.is_file():
            continue
        data = path.read_bytes()
        stat = path.stat()
        variants = {".gz": gzip.compress(data, compresslevel=9, mtime=0)}
        if brotli_compress is not None:
            variants[".br"] = brotli_compress(data, quality=11)
        for suffix, packed in variants.items():
            target = path.with_name(path.name + suffix)
            if len(packed) > len(data) * (1 - MIN_SAVING):
                target.unlink(missing_ok=True)  # not worth it: the plain file is sent
                continue
            target.write_bytes(packed)
            os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
            written += 1
    return written


def build_offline_zip(zip_path: Path, *, config_file: Path = CONFIG_FILE,
                      site_url: str | None = None) -> Path:
    """Build the offline edition and pack it as one zip that opens from file://."""
    zip_path = Path(zip_path).resolve()
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="portal-offline-") as tmp:
        site = build_site(Path(tmp) / "site", offline=True, config_file=config_file,
                          site_url=site_url)
        partial = zip_path.with_suffix(".zip.part")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(site.rglob("*")):
                if path.is_file():
                    archive.write(path, f"{OFFLINE_ROOT}/{path.relative_to(site).as_posix()}")
        os.replace(partial, zip_path)
    return zip_path


def build_all(site_dir: Path, *, config_file: Path = CONFIG_FILE,
              site_url: str | None = None) -> Path:
    """The served site, with the offline edition inside it for download."""
    site_dir = build_site(site_dir, config_file=config_file, site_url=site_url)
    build_offline_zip(site_dir / OFFLINE_ZIP_IN_SITE, config_file=config_file, site_url=site_url)
    return site_dir
