"""Settings: one table, read in one place, every entry documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms_api.settings import PROJECT_ROOT, Settings, documented_settings


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for env, default, _doc in documented_settings():
        assert f"`{env}`" in readme, env
        assert default in readme, (env, default)


def test_from_env_reads_each_variable(tmp_path: Path) -> None:
    settings = Settings.from_env({
        "PORTAL_DATA_DIR": str(tmp_path), "PORTAL_ADMIN_TOKEN": "t" * 32,
        "PORTAL_RATE_LIMIT": "0",
    })
    assert settings.data_dir == tmp_path
    assert settings.admin_token == "t" * 32
    assert settings.rate_limit == 0


def test_bad_value_names_the_variable() -> None:
    with pytest.raises(SystemExit, match="PORTAL_RATE_LIMIT"):
        Settings.from_env({"PORTAL_RATE_LIMIT": "lots"})


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})
    assert settings.data_dir == Path("data")
    assert settings.admin_token is None
