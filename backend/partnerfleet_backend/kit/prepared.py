"""Statements that run on every request, compiled once and handed to the driver as they are.

Through SQLAlchemy's Core a statement costs this service about twice its round trip to
PostgreSQL: the statement's cache key is worked out anew on every run (a walk over the whole
statement), then parameters and rows pass through the execution context. A request runs the
same few statements every time, so on PostgreSQL `Prepared` compiles its statement once,
processes the parameters with the column types' own bind processors and lets psycopg run the
text (which psycopg prepares on the server after a few runs); rows pass through the result
columns' own processors (a UTC timestamp comes back aware) and are plain tuples. Errors are
the ones Core raises (a lost
connection invalidates it, a violated constraint is an IntegrityError), so the retry and
conflict handling around it stays as it is. On other databases the statement runs through
Core."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Table, bindparam, insert, inspect, update
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session, make_transient, make_transient_to_detached
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.expression import Executable

Row = tuple[Any, ...]
M = TypeVar("M")


@dataclass(frozen=True)
class _Compiled:
    sql: str
    constants: dict[str, Any]  # the statement's own values (literals), processed once
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

    def _bound(self, connection: Connection, params: Mapping[str, Any]) -> tuple[str, Any]:
        compiled = self._compiled.get(connection.dialect.name) or self._compile(connection, params)
        values = dict(compiled.constants)
        values.update(params)
        for name, process in compiled.processors:
            values[name] = process(values[name])
        return compiled.sql, values

    def _run(self, connection: Connection, params: Mapping[str, Any], *, one: bool) -> list[Row]:
        dialect = connection.dialect
        if dialect.name != "postgresql":
            result = connection.execute(self.statement, dict(params))
            if not result.returns_rows:
                return []
            return [tuple(row) for row in (result.fetchmany(1) if one else result.all())]
        sql, values = self._bound(connection, params)
        compiled = self._compiled[dialect.name]
        pooled = connection.connection
        try:
            cursor = _cursor(pooled)
            cursor.execute(sql, values)
            if not compiled.returns_rows:
                return []
            rows = cursor.fetchmany(1) if one else cursor.fetchall()
            if compiled.results is None:
                return cast(list[Row], rows)  # psycopg's rows are tuples
            return [
                tuple(v if f is None else f(v) for f, v in zip(compiled.results, row, strict=True))
                for row in rows
            ]
        except dialect.loaded_dbapi.Error as error:
            raise _raised(connection, sql, values, error) from error

    def _compile(self, connection: Connection, params: Mapping[str, Any]) -> _Compiled:
        """The text with its IN lists expanded (they must be the statement's own values),
        the statement's own values processed, and the processors of the caller's."""
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


def _cursor(pooled: PoolProxiedConnection) -> Any:
    """One driver cursor per database connection, kept with it in the pool (a statement's rows
    are read before the next runs); a new one if the connection was replaced."""
    driver = pooled.driver_connection
    cursor = pooled.info.get(_CURSOR)
    if cursor is None or cursor.connection is not driver or cursor.closed:
        assert driver is not None
        cursor = pooled.info[_CURSOR] = driver.cursor()
    return cursor


def inserting_every_column(table: Table, *, sees: tuple[type, ...] = ()) -> Prepared:
    """An INSERT of one row of `table`, every column a parameter of the column's name."""
    values = {c.name: bindparam(c.name, type_=c.type) for c in table.columns}
    return Prepared(insert(table).values(values), sees=sees)


def columns_of(model: type[Any]) -> tuple[str, ...]:
    """The names of a mapped class's column attributes, in mapper order."""
    return tuple(attribute.key for attribute in inspect(model).column_attrs)


def persistent(session: Session, model: type[M], values: dict[str, Any]) -> M:
    """An object of `model` for a row read by a prepared statement (`values`: every column
    attribute), held by the session as if an ORM query had loaded it: the object the session
    already holds for that row if any (as a query returns it), else a new one whose values
    count as the database's (nothing to flush until it is changed)."""
    mapper = inspect(model)
    primary_key = tuple(values[mapper.get_property_by_column(c).key] for c in mapper.primary_key)
    held = session.identity_map.get(session.identity_key(model, primary_key))
    if held is not None:
        return cast(M, held)
    made = model(**values)
    make_transient_to_detached(made)
    session.add(made)
    return made


_UPDATES: dict[tuple[type, tuple[str, ...]], Prepared] = {}


def write_changes(session: Session, obj: object) -> None:
    """Write the changed columns of `obj`, an object the session holds, now, as the ORM's flush
    would write them (only the changed ones; a mapped version column guards the row the same
    way: bumped, and a row changed meanwhile raises StaleDataError), with one statement
    compiled once per set of columns, without the unit of work around it. The object then
    counts as the database's again (nothing left to flush)."""
    state = inspect(obj)
    mapper = state.mapper
    values = state.dict
    changed = tuple(
        sorted(key for key, old in state.committed_state.items() if values.get(key) != old)
    )
    if not changed:
        return
    version = mapper.version_id_col
    version_key = None if version is None else mapper.get_property_by_column(version).key
    keys = (*changed, version_key) if version_key and version_key not in changed else changed
    params = {key: values[key] for key in changed}
    if version_key is not None:
        params["expected_version"] = values[version_key]
        params[version_key] = mapper.version_id_generator(values[version_key])
    identity = [mapper.get_property_by_column(c).key for c in mapper.primary_key]
    params.update({f"pk_{key}": values[key] for key in identity})
    statement = _UPDATES.get((mapper.class_, keys)) or _updating(mapper, keys, identity)
    if not statement.first(session, params):
        raise StaleDataError(
            f"UPDATE of {mapper.local_table.name} expected to update 1 row; 0 were matched"
        )
    if version_key is not None:
        values[version_key] = params[version_key]
    # The public way to say "these values are the database's": detach, forget, hold again.
    session.expunge(obj)
    make_transient(obj)
    make_transient_to_detached(obj)
    session.add(obj)


def _updating(mapper: Any, keys: tuple[str, ...], identity: list[str]) -> Prepared:
    table = mapper.local_table
    column = {key: mapper.get_property(key).columns[0] for key in (*keys, *identity)}
    condition = [column[key] == bindparam(f"pk_{key}") for key in identity]
    if mapper.version_id_col is not None:
        condition.append(mapper.version_id_col == bindparam("expected_version"))
    statement = (
        update(table)
        .where(*condition)
        .values({column[key].name: bindparam(key, type_=column[key].type) for key in keys})
        .returning(*(column[key] for key in identity))
    )
    made = _UPDATES[(mapper.class_, keys)] = Prepared(statement)
    return made
