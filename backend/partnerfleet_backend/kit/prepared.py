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

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Engine, Table, bindparam, event, insert, inspect, update
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session, make_transient, make_transient_to_detached
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.expression import Executable
from sqlalchemy.sql.util import find_tables

Row = tuple[Any, ...]
M = TypeVar("M")


@dataclass(frozen=True)
class _Compiled:
    sql: str
    query: bytes  # the text as the driver takes it
    constants: dict[str, Any]  # the statement's own values (literals), processed once
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]  # for the caller's parameters
    results: tuple[Callable[[Any], Any] | None, ...] | None  # per result column, None: none
    returns_rows: bool  # a SELECT, or RETURNING
    reads: frozenset[str]  # every table it names
    writes: str | None  # the table it changes (None: a SELECT)
    only_inserts: bool  # an INSERT of given values, naming no other table


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

    def send(self, session: Session, params: Mapping[str, Any]) -> None:
        """Run a write whose answer nobody reads. On PostgreSQL it is held back and goes to
        the database inside the next statement of its connection (see `_carried`), or on its
        own before any other statement or step of the transaction; a failure is raised there.
        A rollback drops it with the rest of the transaction."""
        connection = self._connection(session)
        if connection.dialect.name != "postgresql":
            self._run(connection, params, one=True)
            return
        compiled, values = self._bound(connection, params)
        held = connection.connection.info.setdefault(_HELD, [])
        if held and not all(_independent(write, compiled) for write, _ in held):
            send_held(connection)
        held.append((compiled, values))

    def _connection(self, session: Session) -> Connection:
        if self.sees and any(isinstance(o, self.sees) for o in (*session.new, *session.dirty)):
            session.flush()
        return connection_of(session)

    def _bound(
        self, connection: Connection, params: Mapping[str, Any]
    ) -> tuple[_Compiled, dict[str, Any]]:
        compiled = self._compiled.get(connection.dialect.name) or self._compile(connection, params)
        values = dict(compiled.constants)
        values.update(params)
        for name, process in compiled.processors:
            values[name] = process(values[name])
        return compiled, values

    def _run(self, connection: Connection, params: Mapping[str, Any], *, one: bool) -> list[Row]:
        dialect = connection.dialect
        if dialect.name != "postgresql":
            result = connection.execute(self.statement, dict(params))
            if not result.returns_rows:
                return []
            return [tuple(row) for row in (result.fetchmany(1) if one else result.all())]
        compiled, values = self._bound(connection, params)
        query = compiled.query
        pooled = connection.connection
        held = pooled.info.get(_HELD)
        if held:
            if all(_independent(write, compiled) for write, _ in held):
                query, values = _carried(held, compiled, values)
            else:
                send_held(connection)
        try:
            cursor = _cursor(pooled)
            cursor.execute(query, values)
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
            raise _raised(connection, query.decode(), values, error) from error

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
        sql = state.statement
        for name, value in list(constants.items()):
            written = _literal(value)
            if written is not None:  # the statement's own value, written into its text
                sql = sql.replace(f"%({name})s", written)
                del constants[name]
        missing = set(params) - set(state.parameters)
        if missing:
            raise ValueError(f"not parameters of the statement: {sorted(missing)}")
        columns = getattr(self.statement, "exported_columns", ())
        results = tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        )
        named = find_tables(cast(Any, self.statement), check_columns=True, include_crud=True)
        target = getattr(self.statement, "table", None) if self.statement.is_dml else None
        reads = frozenset(t.name for t in named)
        made = _Compiled(
            sql,
            sql.encode(),
            constants,
            tuple(given),
            results if any(f is not None for f in results) else None,
            returns_rows=bool(columns),
            reads=reads,
            writes=None if target is None else target.name,
            only_inserts=bool(getattr(self.statement, "is_insert", False))
            and target is not None
            and reads == {target.name},
        )
        self._compiled[dialect.name] = made
        return made


def _literal(value: Any) -> str | None:
    """`value` as SQL text, for the plain kinds (None: it stays a parameter)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"({int(value)})" if value < 0 else str(int(value))
    if isinstance(value, str) and value.isprintable() and "%" not in value:
        return "'" + value.replace("'", "''") + "'"
    return None


_CONNECTION = "partnerfleet.connection"


def connection_of(session: Session) -> Connection:
    """`session.connection()`, remembered for the session's transaction (asking the session
    each time cost a plan as much as its statements)."""
    transaction = session.get_transaction()
    known = session.info.get(_CONNECTION)
    if transaction is not None and known is not None and known[0] is transaction:
        return cast(Connection, known[1])
    connection = session.connection()
    session.info[_CONNECTION] = (session.get_transaction(), connection)
    return connection


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


# -- writes held back ---------------------------------------------------------------------
# On PostgreSQL a write sent with `Prepared.send` waits in its connection's pool record and
# rides with the next statement as a data-modifying WITH clause: one round trip for them all.
# The parts of one statement run on one snapshot and see none of each other's changes, so a
# write joins only statements that name none of the tables it changes and change none it
# names (two INSERTs of given values into one table excepted); anything else sends what is
# held first. Constraints (foreign keys too) are checked at the end of the whole statement.
_HELD = "partnerfleet.held_writes"
_PARAMETER = re.compile(r"%\((\w+)\)s")
_combined: dict[tuple[str, ...], bytes] = {}


def _independent(write: _Compiled, other: _Compiled) -> bool:
    """Whether `write` and `other` may be parts of one statement (`other` not a WITH itself)."""
    if other.sql.startswith("WITH"):
        return False
    if write.only_inserts and other.only_inserts:
        return True
    return write.writes not in other.reads and (
        other.writes is None or other.writes not in write.reads
    )


def _carried(
    held: list[tuple[_Compiled, dict[str, Any]]], last: _Compiled, values: dict[str, Any]
) -> tuple[bytes, dict[str, Any]]:
    """The held writes and `last` as one statement (the held ones gone from `held`)."""
    key = (*(write.sql for write, _ in held), last.sql)
    query = _combined.get(key)
    if query is None:
        parts = ", ".join(
            f"w{i} AS ({_renamed(write.sql, i)})" for i, (write, _) in enumerate(held)
        )
        query = _combined[key] = f"WITH {parts} {last.sql}".encode()
    merged = {f"w{i}_{name}": v for i, (_, given) in enumerate(held) for name, v in given.items()}
    merged.update(values)
    held.clear()
    return query, merged


def _renamed(sql: str, i: int) -> str:
    """`sql` with its parameters renamed for part `i` of a combined statement."""
    return _PARAMETER.sub(lambda m: f"%(w{i}_{m.group(1)})s", sql)


def send_held(connection: Connection) -> None:
    """Send the writes held back on this connection now, as one statement."""
    if connection.invalidated:
        return  # lost with the connection, and so is their transaction
    pooled = connection.connection
    held = pooled.info.get(_HELD)
    if not held:
        return
    last, values = held.pop()
    query, values = _carried(held, last, values) if held else (last.query, values)
    try:
        _cursor(pooled).execute(query, values)
    except connection.dialect.loaded_dbapi.Error as error:
        raise _raised(connection, query.decode(), values, error) from error


def hold_writes_on(engine: Engine) -> None:
    """Keep the order on `engine`: held writes go before any statement that does not come
    through `Prepared` and before a commit or savepoint step; a rollback, or the connection's
    return to the pool, drops them."""

    def before(connection: Connection, *_: Any) -> None:
        send_held(connection)

    def drop(connection: Connection, *_: Any) -> None:
        if not connection.invalidated:  # else its pool record starts afresh on reconnecting
            connection.connection.info.pop(_HELD, None)

    event.listen(engine, "before_cursor_execute", before)
    for step in ("commit", "savepoint", "release_savepoint", "rollback_savepoint"):
        event.listen(engine, step, before)
    event.listen(engine, "rollback", drop)
    event.listen(engine.pool, "checkin", lambda _driver, record: record.info.pop(_HELD, None))


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
    # As the ORM's own loading makes one: no constructor, the values straight into the
    # object's state (setting them one by one through the attributes cost more than the read)
    made = mapper.class_manager.new_instance()
    made.__dict__.update(values)
    make_transient_to_detached(made)
    session.add(made)
    return cast(M, made)


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
