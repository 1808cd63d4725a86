"""The driver's side of `kit.prepared`: the session's connection, one cursor per database
connection, errors raised as Core raises them, and values written as SQL text."""

from typing import Any, cast

from sqlalchemy import Connection
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
