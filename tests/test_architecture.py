"""The layering STYLE.md describes, checked on the source: services and repositories never
speak HTTP, the product never imports the emulator, packages import only the layers below them,
and queries are written only in repositories."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "sportello"
HTTP_MODULES = ("fastapi", "starlette")


# Lowest first: each package may import only those before it. Whatever is imported under
# `TYPE_CHECKING` counts too: a layer that names a higher one's models depends on them.
LAYERS = (
    "db",  # the engine, the declarative base, transactions
    "kit",  # the machinery every feature shares: queues, group commits, throttles, pagination
    "observability",
    "whatsapp",  # Meta's Cloud API, as a client: knows no Sportello data
    "mail",
    "accounts",
    "operator_console",
    "realtime",  # live events as ids and rendered bodies: no domain model
    "integrations",
    "contacts",
    "templates",
    "chats",
    "credentials",
    "quick_replies",
    "messages",
    "read_receipts",
    "payments",
    "conversations",  # the wire Chat and Contact read whole, and the live events rendered from them
    "webhooks",
    "web",
    "workers",
    "emulator",  # Meta's side, for the demo and the tests: never imported by the product
    "demo",
)
# The HTTP edge of every package (its routes and request dependencies) stands above all layers:
# it may call any package's services. So does the registry of every model, for Alembic.
EDGE_FILES = ("routes.py", "deps.py")
REGISTRY = Path("db") / "models.py"
# Building or running a statement: what only repositories do.
STATEMENTS = {"select", "insert", "update", "delete", "text", "exists", "union", "union_all"}
RUNS = {"execute", "scalars", "scalar"}
# The machinery repositories are built on holds its own statements: the engine's pragmas and
# its ping, the queue's claims, the throttles' counters, the search terms.
QUERY_MACHINERY = ("db", "kit")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _package_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "sportello" or len(parts) < 2 or not (PACKAGE / parts[1]).is_dir():
        return None
    return parts[1]


def _layered_files() -> list[Path]:
    return [
        path
        for path in PACKAGE.rglob("*.py")
        if len(path.relative_to(PACKAGE).parts) > 1
        and path.name not in EDGE_FILES
        and path.relative_to(PACKAGE) != REGISTRY
        and "migrations" not in path.relative_to(PACKAGE).parts
    ]


def _upward_imports(own: str, modules: set[str]) -> list[str]:
    return sorted(
        f"{own} imports {module}"
        for module in modules
        if (other := _package_of(module)) is not None
        and other != own
        and other in LAYERS
        and LAYERS.index(other) > LAYERS.index(own)
    )


def test_every_package_has_its_place_in_the_layers() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages - {"schemas"} == set(LAYERS)


def test_packages_import_only_the_layers_below_them() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): upward
        for path in _layered_files()
        if (upward := _upward_imports(path.relative_to(PACKAGE).parts[0], _imports(path)))
    }
    assert offenders == {}


def _statements(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    builders = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy"
        for alias in node.names
        if alias.name in STATEMENTS
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name) and node.func.id in builders:
            found.append(f"line {node.lineno}: {node.func.id}(…)")
        elif isinstance(node.func, ast.Attribute) and node.func.attr in RUNS:
            found.append(f"line {node.lineno}: .{node.func.attr}(…)")
    return found


def test_queries_are_written_only_in_repositories() -> None:
    checked = [
        path
        for path in PACKAGE.rglob("*.py")
        if path.name != "repository.py"
        and "migrations" not in path.parts
        and len(path.relative_to(PACKAGE).parts) > 1
        and path.relative_to(PACKAGE).parts[0] not in (*QUERY_MACHINERY, "emulator", "demo")
    ]
    offenders = {str(path.relative_to(PACKAGE)): found for path in checked if (found := _statements(path))}
    assert offenders == {}


def test_the_checks_see_an_upward_import_and_a_stray_query(tmp_path: Path) -> None:
    # The rules above pass because nothing breaks them, not because they see nothing.
    assert _upward_imports("contacts", {"sportello.chats.models", "sportello.accounts.models"}) == [
        "contacts imports sportello.chats.models"
    ]
    written = tmp_path / "sample.py"
    written.write_text(
        "from sqlalchemy import select as pick\n"
        "async def f(session, Chat):\n"
        "    return (await session.scalars(pick(Chat))).all()\n"
    )
    assert sorted(_statements(written)) == ["line 3: .scalars(…)", "line 3: pick(…)"]
