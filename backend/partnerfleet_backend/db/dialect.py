"""PostgreSQL through psycopg, with savepoints that cost fewer round trips: a plan runs each of
its changes in a savepoint, and through the stock dialect each SAVEPOINT and each RELEASE is a
round trip of its own. Here a RELEASE waits to go with the transaction's next savepoint step,
in one round trip, or not at all: COMMIT and ROLLBACK end every savepoint (a transaction never
inherits a waiting RELEASE). What runs meanwhile runs inside the savepoint not yet released,
which changes nothing: a savepoint is never rolled back to once released, and rolling back to
an outer one undoes it either way.

A dialect of its own (`postgresql+partnerfleet://`, what `engines.make_engine` uses), so the
steps are the dialect's own methods: nothing patched, nothing listening."""

from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

_waiting: "WeakKeyDictionary[Any, str]" = WeakKeyDictionary()  # driver connection -> RELEASE


class Savepoints(PGDialect_psycopg):
    supports_statement_cache = True

    def do_savepoint(self, connection: Any, name: str) -> None:
        released = _waiting.pop(connection.connection.dbapi_connection, None)
        step = f"SAVEPOINT {self.identifier_preparer.quote(name)}"
        connection.exec_driver_sql(step if released is None else f"{released}; {step}")

    def do_release_savepoint(self, connection: Any, name: str) -> None:
        # one nested in it and still waiting goes with it
        quoted = self.identifier_preparer.quote(name)
        _waiting[connection.connection.dbapi_connection] = f"RELEASE SAVEPOINT {quoted}"

    def do_rollback_to_savepoint(self, connection: Any, name: str) -> None:
        _waiting.pop(connection.connection.dbapi_connection, None)  # undone with it
        quoted = self.identifier_preparer.quote(name)
        connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {quoted}")

    def do_commit(self, dbapi_connection: Any) -> None:
        _waiting.pop(_driver(dbapi_connection), None)
        super().do_commit(dbapi_connection)  # type: ignore[no-untyped-call]

    def do_rollback(self, dbapi_connection: Any) -> None:
        _waiting.pop(_driver(dbapi_connection), None)
        super().do_rollback(dbapi_connection)  # type: ignore[no-untyped-call]


def _driver(dbapi_connection: Any) -> Any:
    """psycopg's own connection (SQLAlchemy may hand over a proxy of it)."""
    return getattr(dbapi_connection, "dbapi_connection", dbapi_connection)


registry.register("postgresql.partnerfleet", "partnerfleet_backend.db.dialect", "Savepoints")
