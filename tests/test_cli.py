"""The `portal` command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from forms_api.cli import main, make_parser


def _subcommands() -> list[str]:
    parser = make_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)  # type: ignore[arg-type]


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name in ("serve", "build"):
        assert name in out


@pytest.mark.parametrize("command", _subcommands())
def test_every_subcommand_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: portal" in capsys.readouterr().out


def test_build_writes_a_site(tmp_path: Path) -> None:
    assert main(["build", "--site-dir", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out/index.html").is_file()


def test_installed_console_script() -> None:
    script = Path(sys.executable).with_name("portal")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "serve" in result.stdout


def test_serve_refuses_without_a_built_site(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("portal")
    env = {"PORTAL_SITE_DIR": str(tmp_path / "nothing"), "PORTAL_DATA_DIR": str(tmp_path / "d"),
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run([str(script), "serve", "--port", "0"], capture_output=True,
                            text=True, env=env, timeout=30, check=False)
    assert result.returncode == 2
    assert "portal build" in result.stderr
