"""Keep the theme's JavaScript from loading anything from another origin.

Material's bundle fetches a ResizeObserver polyfill from unpkg when the browser lacks
ResizeObserver (old in-app browsers do). After the build this hook points that load at the
vendored copy in `assets/vendor/`, resolved against the site root Material computes per
page (`__md_scope`), so it works from any depth and from file://. It fails the build if the
pattern is gone after an upgrade.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

CDN_POLYFILL = '"https://unpkg.com/resize-observer-polyfill"'
LOCAL_POLYFILL = 'new URL("assets/vendor/resize-observer-polyfill.js",__md_scope).href'


def on_post_build(config: MkDocsConfig) -> None:
    bundles = sorted(Path(config.site_dir, "assets/javascripts").glob("bundle.*.min.js"))
    if len(bundles) != 1:
        raise PluginError(f"no_cdn: expected one theme bundle, found {len(bundles)}")
    bundle = bundles[0]
    source = bundle.read_text(encoding="utf-8")
    if CDN_POLYFILL not in source:
        if LOCAL_POLYFILL in source:
            return
        raise PluginError("no_cdn: the theme bundle no longer loads the polyfill from unpkg; "
                          "re-check hooks/no_cdn.py")
    bundle.write_text(source.replace(CDN_POLYFILL, LOCAL_POLYFILL), encoding="utf-8")
