"""The driver's side of `kit.prepared`: the session's connection, one cursor per database
connection, errors raised as Core raises them, and values written as SQL text."""

from typing import Any, cast

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection


def literal(value: Any) -> str | None:
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
    """`session.connection()`, remembered for the session's innermost transaction (asking the
    session each time cost a plan as much as its statements; a new savepoint asks again, so
    the session emits its SAVEPOINT)."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    known = session.info.get(_CONNECTION)
    if transaction is not None and known is not None and known[0] is transaction:
        return cast(Connection, known[1])
    connection = session.connection()
    current = session.get_nested_transaction() or session.get_transaction()
    session.info[_CONNECTION] = (current, connection)
    return connection


def raised(connection: Connection, sql: str, values: Any, error: Any) -> StatementError:
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


def cursor_of(pooled: PoolProxiedConnection) -> Any:
    """One driver cursor per database connection, kept with it in the pool (a statement's rows
    are read before the next runs); a new one if the connection was replaced."""
    driver = pooled.driver_connection
    cursor = pooled.info.get(_CURSOR)
    if cursor is None or cursor.connection is not driver or cursor.closed:
        assert driver is not None
        cursor = pooled.info[_CURSOR] = driver.cursor()
    return cursor


# -- savepoints ---------------------------------------------------------------------------
# A plan runs each change in a savepoint. Through Core each SAVEPOINT and RELEASE is compiled
# and run like any statement, each a round trip of its own: on PostgreSQL they go straight to
# the driver instead, and a RELEASE waits to go with the transaction's next savepoint step,
# in one round trip (or not at all: COMMIT and ROLLBACK end every savepoint). What runs
# meanwhile runs inside the savepoint not yet released, which changes nothing: a savepoint is
# never rolled back to once released, and rolling back to an outer one undoes it either way.
_RELEASE = "partnerfleet.release"


def savepoints_on_driver(engine: Engine) -> None:
    """SAVEPOINT, RELEASE and ROLLBACK TO of `engine`'s transactions as described above."""
    dialect = engine.dialect
    quote = dialect.identifier_preparer.quote

    def send(connection: Connection, sql: str) -> None:
        try:
            cursor_of(connection.connection).execute(sql)  # no parameters: several at once
        except dialect.loaded_dbapi.Error as error:
            raise raised(connection, sql, None, error) from error

    def savepoint(connection: Connection, name: str) -> None:
        released = connection.connection.info.pop(_RELEASE, None)
        step = f"SAVEPOINT {quote(name)}"
        send(connection, step if released is None else f"RELEASE SAVEPOINT {released}; {step}")

    def release(connection: Connection, name: str) -> None:
        # one nested in it and still to be released goes with it
        connection.connection.info[_RELEASE] = quote(name)

    def rollback_to(connection: Connection, name: str) -> None:
        connection.connection.info.pop(_RELEASE, None)  # nested in it: undone with it
        send(connection, f"ROLLBACK TO SAVEPOINT {quote(name)}")

    def forget(connection: Connection, *_: Any) -> None:
        if not connection.invalidated:
            connection.connection.info.pop(_RELEASE, None)

    # the dialect's own steps, replaced for this engine's dialect only
    setattr(dialect, "do_savepoint", savepoint)  # noqa: B010
    setattr(dialect, "do_release_savepoint", release)  # noqa: B010
    setattr(dialect, "do_rollback_to_savepoint", rollback_to)  # noqa: B010
    event.listen(engine, "commit", forget)
    event.listen(engine, "rollback", forget)
    event.listen(engine.pool, "checkin", lambda _driver, record: record.info.pop(_RELEASE, None))
