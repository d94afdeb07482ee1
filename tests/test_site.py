"""The built site: strict build, nothing from other origins, Chinese search that finds words."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hooks.search_zh import PATCH_MARK, patch_worker

# Absolute URLs that may appear in the theme's JavaScript without being loaded:
# XML namespaces and licence/comment links, and two loads that only happen for features
# this site does not use (asserted below): mermaid diagrams and a repository link
# (GitHub or GitLab).
JS_URLS_NEVER_LOADED = (
    "http://www.w3.org/",
    "https://fontawesome.com",
    "https://clipboardjs.com",
    "https://bit.ly/",
    "http://tartarus.org/",
    "http://lunrjs.com",
    "https://unpkg.com/mermaid@",
    "https://api.github.com/",
    "https://${e}/api/v4/",  # GitLab's API, also only with a repo_url
)

# Attributes through which HTML makes the browser load something.
_LOADING_ATTR = re.compile(
    r"<(?P<tag>script|img|iframe|source|video|audio|embed|object|track|input|link)\b"
    r"(?P<attrs>[^>]*)>", re.I)
_URL_IN_ATTR = re.compile(r"\b(?:src|href|data|poster|srcset)\s*=\s*[\"']?([^\"'\s>]+)", re.I)
_CSS_URL = re.compile(r"url\(\s*[\"']?([^\"')]+)|@import\s+[\"']([^\"']+)")
_ABSOLUTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)
# A URL opening a string literal: what code can hand to fetch(), importScripts() or a
# script element (URLs in comments and licence headers are not loads).
_JS_URL = re.compile(r"(?<=[\"'`])(?:https?:)?//(?:\$\{|[a-z0-9-]+\.)[^\s\"'`)]*", re.I)


def _files(site: Path, *suffixes: str) -> list[Path]:
    return [p for p in site.rglob("*") if p.suffix in suffixes]


def test_build_is_strict_and_complete(built_site: Path) -> None:
    for page in ("index.html", "about/index.html", "privacy/index.html", "404.html"):
        assert (built_site / page).is_file(), page


def test_html_loads_nothing_from_other_origins(built_site: Path) -> None:
    offenders = []
    for page in _files(built_site, ".html"):
        for tag in _LOADING_ATTR.finditer(page.read_text(encoding="utf-8")):
            if tag["tag"].lower() == "link" and not re.search(
                    r"rel=[\"']?(?:stylesheet|preload|modulepreload|icon|shortcut icon|manifest|"
                    r"apple-touch-icon|prefetch|preconnect|dns-prefetch)", tag["attrs"], re.I):
                continue
            for url in _URL_IN_ATTR.findall(tag["attrs"]):
                if _ABSOLUTE.match(url):
                    offenders.append(f"{page.relative_to(built_site)}: {url}")
    assert not offenders, offenders


def test_css_loads_nothing_from_other_origins(built_site: Path) -> None:
    offenders = []
    for sheet in _files(built_site, ".css"):
        for match in _CSS_URL.finditer(sheet.read_text(encoding="utf-8")):
            url = match.group(1) or match.group(2)
            if _ABSOLUTE.match(url.strip()):
                offenders.append(f"{sheet.relative_to(built_site)}: {url}")
    assert not offenders, offenders


def test_javascript_loads_nothing_from_other_origins(built_site: Path) -> None:
    offenders = []
    for script in _files(built_site, ".js"):
        for url in _JS_URL.findall(script.read_text(encoding="utf-8")):
            if not url.startswith(JS_URLS_NEVER_LOADED):
                offenders.append(f"{script.relative_to(built_site)}: {url}")
    assert not offenders, offenders


def test_conditional_theme_loads_stay_off(built_site: Path) -> None:
    from mkdocs.config import load_config

    from forms_api.build import CONFIG_FILE

    config = load_config(str(CONFIG_FILE))
    assert not config.repo_url, "a repo_url makes the theme call the GitHub API"
    for page in _files(built_site, ".html"):
        assert 'class="mermaid"' not in page.read_text(encoding="utf-8"), page


def test_no_web_fonts(built_site: Path) -> None:
    index = (built_site / "index.html").read_text(encoding="utf-8")
    assert "fonts.googleapis" not in index and "fonts.gstatic" not in index
    css = (built_site / "assets/css/portal.css").read_text(encoding="utf-8")
    assert "Noto Sans CJK SC" in css and "Microsoft YaHei" in css


def _index_tokens(built_site: Path) -> set[str]:
    index = json.loads((built_site / "search/search_index.json").read_text(encoding="utf-8"))
    tokens: set[str] = set()
    for doc in index["docs"]:
        for field in ("title", "text"):
            tokens.update(re.split(index["config"]["separator"], doc.get(field, "")))
    return tokens


@pytest.mark.parametrize("term", ["心理委员", "危机干预", "心理健康"])
def test_search_index_holds_segmented_terms(built_site: Path, term: str) -> None:
    assert term in _index_tokens(built_site)


def test_search_index_is_segmented_not_clauses(built_site: Path) -> None:
    tokens = [t for t in _index_tokens(built_site) if re.search(r"[\u4e00-\u9fff]", t)]
    assert tokens
    assert sum(map(len, tokens)) / len(tokens) < 4  # jieba words, not whole clauses


def test_search_index_is_utf8(built_site: Path) -> None:
    raw = (built_site / "search/search_index.json").read_text(encoding="utf-8")
    assert "\\u5fc3" not in raw and "心理" in raw


def test_search_worker_is_patched(built_site: Path) -> None:
    workers = list((built_site / "assets/javascripts/workers").glob("search.*.min.js"))
    assert len(workers) == 1
    source = workers[0].read_text(encoding="utf-8")
    assert PATCH_MARK in source
    assert re.search(r"for\(let (\w)=(\w)\+1;\1<=(\w)\.length;\1\+\+\)\3\.slice\(\2,\1\)in ", source)


def test_worker_patch_fails_loudly_on_unknown_source() -> None:
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError):
        patch_worker("function segment(){ /* rewritten upstream */ }")


def test_polyfill_is_vendored(built_site: Path) -> None:
    bundle = next((built_site / "assets/javascripts").glob("bundle.*.min.js"))
    source = bundle.read_text(encoding="utf-8")
    assert "unpkg.com/resize-observer-polyfill" not in source
    assert (built_site / "assets/vendor/resize-observer-polyfill.js").is_file()


def test_pages_have_chinese_language_and_nav(built_site: Path) -> None:
    index = (built_site / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh"' in index
    assert 'name="renderer" content="webkit"' in index
    assert "12356" in index  # the help line is on every page


def test_offline_edition_zip(tmp_path: Path) -> None:
    import zipfile

    from forms_api.build import OFFLINE_ROOT, build_offline_zip

    archive = zipfile.ZipFile(build_offline_zip(tmp_path / "offline.zip"))
    names = set(archive.namelist())
    root = f"{OFFLINE_ROOT}/"
    assert {root + "index.html", root + "search/search_index.js",
            root + "assets/vendor/iframe-worker-shim.js"} <= names
    index = archive.read(root + "index.html").decode()
    assert 'href="about.html"' in index  # file:// needs explicit .html links
    assert "unpkg.com" not in index and "iframe-worker-shim.js" in index
    for name in names:
        if name.endswith((".html", ".css")) or (name.endswith(".js") and "/lunr/" not in name):
            text = archive.read(name).decode("utf-8", "replace")
            assert "unpkg.com/iframe-worker" not in text, name
            assert "unpkg.com/resize-observer" not in text, name


def test_served_site_offers_the_offline_zip(tmp_path: Path) -> None:
    from forms_api.build import OFFLINE_ZIP_IN_SITE, build_all

    site = build_all(tmp_path / "site")
    assert (site / OFFLINE_ZIP_IN_SITE).is_file()
    assert f'href="{OFFLINE_ZIP_IN_SITE.as_posix()}"' in (site / "index.html").read_text("utf-8")


def test_mkdocs_config_has_no_duplicate_keys() -> None:
    """A repeated key (two `plugins:`, two `extra_javascript:`) silently drops the first."""
    import yaml

    from forms_api.build import CONFIG_FILE

    class StrictLoader(yaml.SafeLoader):
        pass

    def mapping(loader: StrictLoader, node: yaml.MappingNode) -> dict[object, object]:
        keys = [loader.construct_object(key) for key, _ in node.value]
        duplicates = {k for k in keys if keys.count(k) > 1}
        assert not duplicates, f"duplicate keys in mkdocs.yml: {duplicates}"
        for _, value in node.value:
            loader.construct_object(value, deep=True)  # nested mappings too
        return {}

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    StrictLoader.add_multi_constructor("", lambda loader, suffix, node: None)
    yaml.load(CONFIG_FILE.read_text(encoding="utf-8"), Loader=StrictLoader)
