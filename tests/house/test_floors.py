"""The floors of the house, checked on the source: the database floor (`db/`) is the only one
that talks to the driver and builds nothing from request values into SQL text; it and the
shared kit stand on nothing of a domain; the frame (`pipeline/`) sits above the domains'
services, never under them; the console and the server do not import each other both ways.

Each test below was seen failing on a deliberate violation (see docs/tests.md)."""

import ast
from collections import defaultdict

from tests.house.test_layout import BACKEND, _imports, _modules, _name

PACKAGE = "partnerfleet_backend"
DRIVERS = ("psycopg", "psycopg2", "sqlite3", "asyncpg")
# What the floors below the domains may stand on.
BELOW_DOMAINS = {"db", "kit", "models", "settings"}
# Who may use the request frame: the routes, the portal's pages and the app that mounts them.
FRAME_USERS = ("app.py", "portal/")


def _room(module: str) -> str | None:
    """`partnerfleet_backend.wallet.service` -> `wallet`; None outside the package."""
    parts = module.split(".")
    return parts[1] if parts[0] == PACKAGE and len(parts) > 1 else None


def test_only_the_database_floor_imports_the_driver() -> None:
    found = [
        f"{_name(path)} imports {module}"
        for path in _modules(BACKEND)
        for module, _ in _imports(path)
        if module.split(".")[0] in DRIVERS and not _name(path).startswith("db/")
    ]
    assert found == []


def test_the_database_floor_and_the_kit_stand_on_no_domain() -> None:
    found = [
        f"{_name(path)} imports {module}"
        for path in _modules(BACKEND)
        if _name(path).split("/")[0] in ("db", "kit", "models")
        for module, _ in _imports(path)
        if (room := _room(module)) is not None and room not in BELOW_DOMAINS
    ]
    assert found == []


def test_the_frame_is_used_by_routes_and_pages_only() -> None:
    found = [
        f"{_name(path)} imports {module}"
        for path in _modules(BACKEND)
        if not _name(path).startswith(("pipeline/", *FRAME_USERS))
        and not _name(path).endswith("endpoints.py")
        for module, _ in _imports(path)
        if _room(module) == "pipeline"
    ]
    assert found == []


def _graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (at the top or inside a function)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in _modules(BACKEND):
        name = f"{PACKAGE}." + _name(path).removesuffix(".py").replace("/", ".")
        name = name.removesuffix(".__init__")
        for module, names in _imports(path):
            if _room(module) is None:
                continue
            graph[name].add(module)
            graph[name].update(f"{module}.{n}" for n in names)  # `from pkg import module`
    return graph


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def test_the_server_does_not_import_the_console() -> None:
    """`cli serve` starts the server; the server (and all it imports) never needs the console."""
    graph = _graph()
    assert _reaches(graph, f"{PACKAGE}.cli", f"{PACKAGE}.server")
    assert not _reaches(graph, f"{PACKAGE}.server", f"{PACKAGE}.cli")


SQL_STARTS = (
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "WITH",
    "SAVEPOINT",
    "RELEASE",
    "ROLLBACK",
    "CREATE",
    "DROP",
    "ALTER",
    "ANALYZE",
    "BEGIN",
    "SET",
    "COPY",
)
# Text built with names only, never values: the savepoint names SQLAlchemy makes, quoted by
# the dialect's preparer. (The bulk writes compose theirs with psycopg's `sql.Identifier`.)
NAMES_ONLY = {"db/dialect.py"}


def _sql_literal(node: ast.AST) -> bool:
    """A string constant (or an f-string's first part) that reads as SQL."""
    if isinstance(node, ast.JoinedStr):
        node = node.values[0] if node.values else node
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.lstrip().upper().startswith(SQL_STARTS)
    )


def test_no_sql_text_is_formatted() -> None:
    """SQL text is never an f-string, a `%`, a `+` or a `str.format()` of values: values are
    bound parameters (the compiled statements bind the statement's own constants too,
    `tests/pipeline/test_unit.py`)."""
    found = []
    for path in _modules(BACKEND):
        if _name(path) in NAMES_ONLY:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            formatted = isinstance(node, ast.JoinedStr) and _sql_literal(node)
            formatted |= (
                isinstance(node, ast.BinOp)
                and isinstance(node.op, ast.Mod | ast.Add)
                and (_sql_literal(node.left) or _sql_literal(node.right))
            )
            formatted |= (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "format"
                and _sql_literal(node.func.value)
            )
            if formatted:
                found.append(f"{_name(path)}:{getattr(node, 'lineno', '?')}")
    assert found == []


# SQLite's connection set-up, as SQLAlchemy documents it for pysqlite: the pragmas when a
# connection is made, and the BEGIN (IMMEDIATE) that the driver would otherwise not send.
SQLITE_SETUP = {("db/engines.py", "connect"), ("db/engines.py", "begin")}


def test_nothing_waits_on_a_listener() -> None:
    """No engine, pool or session listener decides what a statement carries; no dialect
    method is replaced at run time (the savepoints are a dialect subclass, `db/dialect.py`)."""
    found = []
    for path in _modules(BACKEND):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in ("listen", "listens_for"):
                    event = ast.literal_eval(node.args[1]) if len(node.args) > 1 else None
                    if (_name(path), event) not in SQLITE_SETUP:
                        found.append(f"{_name(path)}:{node.lineno} {called} {event}")
                if called == "setattr" and node.args:
                    target = ast.unparse(node.args[0])
                    if "dialect" in target or "engine" in target:
                        found.append(f"{_name(path)}:{node.lineno} setattr({target}, ...)")
    assert found == [], found
