"""The rules of the house, checked on the source: rooms of one shape, routes without queries,
queries in repositories, each price rule and filter written once, modules a person can read."""

import ast
import re
from pathlib import Path

import pytest

from tests.support.paths import ROOT

BACKEND = ROOT / "backend" / "partnerfleet_backend"
PROVIDER = ROOT / "provider" / "partnerfleet"
MAX_LINES = 400

# Modules that may build queries without being a repository: the shared base helpers
# (pagination, per-partner uniqueness, bulk writes, one-row inserts of prepared statements,
# shared rate windows), the request
# pipeline's idempotency keys, the database frame itself and the migrations.
QUERY_FRAME = {
    "kit/schemas.py",
    "kit/unique.py",
    "db/bulk.py",
    "db/compiled.py",
    "db/unit.py",
    "db/objects.py",
    "kit/ratelimit.py",
    "pipeline/idempotency.py",
    "db/engines.py",
}
QUERY_BUILDERS = {"select", "update", "insert", "delete", "text"}


def _modules(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "migrations" not in p.parts)


def _name(path: Path) -> str:
    return path.relative_to(BACKEND).as_posix()


def _imports(path: Path) -> list[tuple[str, set[str]]]:
    """(module, names) of every import in a file."""
    found: list[tuple[str, set[str]]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, {alias.name for alias in node.names}))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, set()) for alias in node.names)
    return found


@pytest.mark.parametrize("root", [BACKEND, PROVIDER], ids=["backend", "provider"])
def test_no_module_is_over_400_lines(root: Path) -> None:
    long = {
        str(p.relative_to(root)): n
        for p in _modules(root)
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_top_level_holds_only_the_frame() -> None:
    top = {p.name for p in BACKEND.glob("*.py")}
    assert top == {
        "__init__.py",
        "__main__.py",
        "app.py",
        "cli.py",
        "scheduler.py",
        "server.py",
        "settings.py",
    }


def test_every_room_with_routes_has_the_same_shape() -> None:
    rooms = [p.parent for p in BACKEND.glob("*/endpoints.py")]
    assert len(rooms) >= 12
    for room in rooms:
        present = {p.name for p in room.glob("*.py")}
        assert {"endpoints.py", "schemas.py"} <= present, room.name
        assert present & {"service.py", "clock.py"}, room.name


@pytest.mark.parametrize(
    "path", sorted(BACKEND.glob("*/endpoints.py")), ids=lambda p: p.parent.name
)
def test_endpoints_import_neither_models_nor_queries(path: Path) -> None:
    for module, names in _imports(path):
        assert not module.startswith("sqlalchemy"), f"{_name(path)} imports {module}"
        assert module != "partnerfleet_backend.models", f"{_name(path)} imports the models"
        assert "repository" not in names and not module.endswith(".repository"), _name(path)


def test_queries_are_built_in_repositories_only() -> None:
    builders: dict[str, set[str]] = {}
    for path in _modules(BACKEND):
        used = {
            name
            for module, names in _imports(path)
            if module == "sqlalchemy"
            for name in names & QUERY_BUILDERS
        }
        name = _name(path)
        tables = name.startswith("models/")  # text() there is DDL (a partial index), no query
        if used and not name.endswith("repository.py") and name not in QUERY_FRAME and not tables:
            builders[name] = used
    assert builders == {}


def _occurrences(pattern: str) -> list[str]:
    regex = re.compile(pattern)
    return [
        f"{_name(p)}:{i}"
        for p in _modules(BACKEND)
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if regex.search(line)
    ]


@pytest.mark.parametrize(
    "rule,pattern,where",
    [
        ("a term's price", r"\) \* term_months$", "catalog/pricing.py"),
        ("a license's monthly amount", r"return seats \* unit_cents$", "catalog/pricing.py"),
        ("proration", r"amount_per_term \* days_left", "catalog/pricing.py"),
        ("lots with credit left", r"remaining_cents > 0", "wallet/repository.py"),
    ],
)
def test_each_rule_is_written_once(rule: str, pattern: str, where: str) -> None:
    found = _occurrences(pattern)
    assert len(found) == 1 and found[0].startswith(where + ":"), (rule, found)


def test_prices_are_multiplied_only_in_the_pricing_module() -> None:
    arithmetic = _occurrences(r"\bunit\w*\s*\*|\*\s*unit\w*|\bterm\w*\s*\*|\*\s*term\w*")
    assert [f for f in arithmetic if not f.startswith("catalog/pricing.py:")] == []


def test_statuses_are_named_once() -> None:
    """Status strings live in the enums of models/ (and the migrations); services compare and
    set statuses through them."""
    loose = _occurrences(
        r"""status\w*\s*(?:==|!=|=)\s*["']|status\.(?:not_)?in_\(\s*\(?["']|"""
        r"""status\w*\s+(?:not\s+)?in\s+\(["']"""
    )
    assert [f for f in loose if not f.startswith("models/")] == []


def test_the_provider_never_imports_the_backend() -> None:
    for path in _modules(PROVIDER):
        for module, _names in _imports(path):
            assert not module.startswith("partnerfleet_backend"), path


def test_the_readme_is_a_front_door() -> None:
    """What a newcomer needs, in at most 250 lines; the rest in docs/, every page linked."""
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    linked = set(re.findall(r"\]\((docs/[\w.-]+\.md)\)", readme))
    pages = {p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md")}
    assert linked == pages
