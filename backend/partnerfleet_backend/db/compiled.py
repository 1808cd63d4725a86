"""Statements that run on every request, compiled once and handed to the driver as they are.

Through SQLAlchemy's Core a statement costs this service about twice its round trip to
PostgreSQL: the statement's cache key is worked out anew on every run (a walk over the whole
statement), then parameters and rows pass through the execution context. A request runs the
same few statements every time, so on PostgreSQL `Prepared` compiles its statement once,
processes the parameters with the column types' own bind processors and lets psycopg run the
text (which psycopg prepares on the server after a few runs); rows pass through the result
columns' own processors (a UTC timestamp comes back aware) and are plain tuples. Every value
is a bound parameter, the statement's own constants too: nothing is ever written into the
text. Errors are the ones Core raises (a lost connection invalidates it, a violated
constraint is an IntegrityError). On other databases the statement runs through Core.

`first` and `all` run it now, in the session's transaction; nothing else."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.expression import Executable

Row = tuple[Any, ...]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    query: bytes  # the text as the driver takes it
    constants: dict[str, Any]  # the statement's own values, processed once, bound each run
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]  # for the caller's parameters
    results: tuple[Callable[[Any], Any] | None, ...] | None  # per result column, None: none
    returns_rows: bool  # a SELECT, or RETURNING


class Prepared:
    """One statement, compiled once per dialect (see the module's text)."""

    def __init__(self, statement: Executable, *, sees: tuple[type, ...] = ()) -> None:
        self.statement: Executable = statement
        # Like an ORM query of these models: when the session holds new or changed objects of
        # them, its pending changes are written first (the statement must see those rows, or
        # needs them to exist); other pending changes stay for the ORM's own flush.
        self.sees = sees
        self._compiled: dict[str, _Compiled] = {}

    def first(self, session: Session, params: Mapping[str, Any]) -> Row | None:
        """The first row, or None."""
        rows = self._run(self._connection(session), params, one=True)
        return rows[0] if rows else None

    def all(self, session: Session, params: Mapping[str, Any]) -> Sequence[Row]:
        return self._run(self._connection(session), params, one=False)

    def _connection(self, session: Session) -> Connection:
        if self.sees and any(isinstance(o, self.sees) for o in (*session.new, *session.dirty)):
            session.flush()
        return session.connection()

    def _run(self, connection: Connection, params: Mapping[str, Any], *, one: bool) -> list[Row]:
        dialect = connection.dialect
        if dialect.name != "postgresql":
            result = connection.execute(self.statement, dict(params))
            if not result.returns_rows:
                return []
            return [tuple(row) for row in (result.fetchmany(1) if one else result.all())]
        compiled = self._compiled.get(dialect.name) or self._compile(connection, params)
        values = dict(compiled.constants)
        values.update(params)
        for name, process in compiled.processors:
            values[name] = process(values[name])
        pooled = connection.connection
        try:
            cursor = _cursor_of(pooled)
            cursor.execute(compiled.query, values)
            if not compiled.returns_rows:
                return []
            rows = cursor.fetchmany(1) if one else cursor.fetchall()
        except dialect.loaded_dbapi.Error as error:
            raise _raised(connection, compiled.sql, values, error) from error
        if compiled.results is None:
            return cast(list[Row], rows)  # psycopg's rows are tuples
        return [
            tuple(v if f is None else f(v) for f, v in zip(compiled.results, row, strict=True))
            for row in rows
        ]

    def _compile(self, connection: Connection, params: Mapping[str, Any]) -> _Compiled:
        """The text with its IN lists expanded (they must be the statement's own values), the
        statement's own values processed once, and the processors of the caller's."""
        dialect = connection.dialect
        compiled = self.statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        state = compiled.construct_expanded_state(dict(params))
        given: list[tuple[str, Callable[[Any], Any]]] = []
        constants = {name: value for name, value in state.parameters.items() if name not in params}
        processed: set[str] = set()
        for bind, name in compiled.bind_names.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if name in params:
                if bind.expanding:
                    raise ValueError(f"{name}: an IN list of the caller's cannot be prepared")
                if process is not None and name not in processed:
                    processed.add(name)
                    given.append((name, process))
            elif process is not None:
                for key in constants:
                    mine = key == name or (bind.expanding and key.startswith(f"{name}_"))
                    if mine and key not in processed:
                        constants[key] = process(constants[key])
                        processed.add(key)
        missing = set(params) - set(state.parameters)
        if missing:
            raise ValueError(f"not parameters of the statement: {sorted(missing)}")
        columns = getattr(self.statement, "exported_columns", ())
        results = tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        )
        made = _Compiled(
            state.statement,
            state.statement.encode(),
            constants,
            tuple(given),
            results if any(f is not None for f in results) else None,
            returns_rows=bool(columns),
        )
        self._compiled[dialect.name] = made
        return made


def _raised(connection: Connection, sql: str, values: Any, error: Any) -> StatementError:
    """The error as Core raises it: a lost connection invalidated, a violated constraint an
    IntegrityError, no values in its text when the engine hides them (no secret in a log)."""
    dialect = connection.dialect
    lost = dialect.is_disconnect(error, connection.connection.dbapi_connection, None)
    if lost:
        connection.invalidate(error)
    made: StatementError = DBAPIError.instance(
        sql,
        values,
        error,
        dialect.loaded_dbapi.Error,
        hide_parameters=connection.engine.hide_parameters,
        connection_invalidated=lost,
        dialect=dialect,
    )
    return made


_CURSOR = "partnerfleet.prepared_cursor"


def _cursor_of(pooled: PoolProxiedConnection) -> Any:
    """One driver cursor per database connection, kept with it in the pool (a statement's rows
    are read before the next runs); a new one if the connection was replaced."""
    driver = pooled.driver_connection
    cursor = pooled.info.get(_CURSOR)
    if cursor is None or cursor.connection is not driver or cursor.closed:
        assert driver is not None
        cursor = pooled.info[_CURSOR] = driver.cursor()
    return cursor
