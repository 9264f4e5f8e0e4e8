"""The layering STYLE.md describes, checked on the source: services and repositories never
speak HTTP, and the product never imports the emulator."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "sportello"
HTTP_MODULES = ("fastapi", "starlette")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_services_and_repositories_never_import_http() -> None:
    checked = list(PACKAGE.rglob("service.py")) + list(PACKAGE.rglob("repository.py"))
    assert checked, "there are services to check"
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(n for n in _imports(path) if n.split(".")[0] in HTTP_MODULES)
        for path in checked
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_product_never_imports_the_emulator() -> None:
    allowed = {PACKAGE / "cli.py"}
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path not in allowed
        and not path.is_relative_to(PACKAGE / "emulator")
        and not path.is_relative_to(PACKAGE / "demo")
        and any(name.startswith("sportello.emulator") for name in _imports(path))
    ]
    assert offenders == []
