"""The offline edition: use the vendored iframe-worker shim, never the theme's unpkg one.

Material's offline plugin appends `https://unpkg.com/iframe-worker/shim` to the page
polyfills unless one is already listed; without internet, search would then never start
from file://. This hook runs first and lists the vendored copy.
"""

from __future__ import annotations

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority

SHIM = "assets/vendor/iframe-worker-shim.js"


@event_priority(100)
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    offline = config.plugins.get("material/offline")
    if offline is not None and offline.config.enabled:
        config.extra["polyfills"] = [SHIM]
    return config
