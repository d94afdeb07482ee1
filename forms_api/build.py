"""Building the static site with MkDocs (strict), from the project's own config."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from forms_api.settings import PROJECT_ROOT

CONFIG_FILE = PROJECT_ROOT / "mkdocs.yml"


def build_site(site_dir: Path, config_file: Path = CONFIG_FILE) -> Path:
    """Build the site strictly into `site_dir`; any warning fails the build."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    site_dir = Path(site_dir).resolve()
    # pymdownx.snippets resolves its base_path against the working directory.
    with contextlib.chdir(config_file.parent):
        config = load_config(config_file=str(config_file), strict=True, site_dir=str(site_dir))
        build(config)
    return site_dir
