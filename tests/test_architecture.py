"""The house's rules that `lint-imports` does not see: imports at the top, small modules, names.

`make contract` (import-linter, configured in pyproject.toml) keeps the layers and forbids
cycles; these tests add what it cannot: no `forms_api` import hidden inside a function (to
dodge a cycle or otherwise), type-only imports only within one package, no module over 400
lines, table names never typed as strings, and the domains listed in `app.DOMAINS` in the
order of the import contract's layers.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from forms_api.app import DOMAINS
from forms_api.settings import PROJECT_ROOT

SOURCES = sorted([*(PROJECT_ROOT / "forms_api").rglob("*.py"), *(PROJECT_ROOT / "hooks").glob("*.py")])
MAX_LINES = 400


def _module(path: Path) -> str:
    return ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts).removesuffix(".__init__")


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""]
    return [alias.name for alias in node.names]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _misplaced_imports(tree: ast.Module, module: str) -> list[str]:
    """`forms_api` imports that are not at the top level of the module."""
    found: list[str] = []
    package = ".".join(module.split(".")[:2])
    top_level: set[int] = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            top_level.add(id(node))
        elif isinstance(node, ast.If) and _is_type_checking(node):
            for inner in node.body:
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    for name in _imported(inner):
                        if name.startswith("forms_api") and not name.startswith(package):
                            found.append(f"line {inner.lineno}: type-only import of {name} "
                                         f"from outside {package}")
                    top_level.add(id(inner))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top_level:
            for name in _imported(node):
                if name.startswith("forms_api"):
                    found.append(f"line {node.lineno}: import of {name} inside a block")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_imports_of_the_package_are_at_the_top(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert not _misplaced_imports(tree, _module(path))


def test_the_import_check_finds_an_import_inside_a_function() -> None:
    tree = ast.parse("import os\ndef f():\n    from forms_api.web import pages\n")
    assert _misplaced_imports(tree, "forms_api.trainings.api") == [
        "line 3: import of forms_api.web inside a block"]
    typed = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                      "    from forms_api.bookings import records\n")
    assert _misplaced_imports(typed, "forms_api.admin.web")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_no_module_is_over_400_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.name} has {lines} lines: split it by what it does"


def _table_literals(tree: ast.Module) -> list[int]:
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "table" and node.args
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)]


@pytest.mark.parametrize("path", [p for p in SOURCES if "storage" not in p.parts],
                         ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_table_names_are_constants(path: Path) -> None:
    """`db.table(BOOKINGS)`, never `db.table("bookings")`: a typo fails at import time."""
    assert not _table_literals(ast.parse(path.read_text(encoding="utf-8")))


def test_domains_are_listed_in_the_order_of_the_layers() -> None:
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = config["tool"]["importlinter"]["contracts"][0]
    height = {name.strip(): len(contract["layers"]) - i
              for i, layer in enumerate(contract["layers"]) for name in layer.split("|")}
    heights = [height[f"forms_api.{d.name}"] for d in DOMAINS]
    assert heights == sorted(heights), "app.DOMAINS lists the lowest domain first"
    for d in DOMAINS:
        assert (PROJECT_ROOT / "forms_api" / d.name / "domain.py").is_file(), d.name
