"""The rows a unit of work adds that nothing reads back within it: ledger entries, what each
took from the credit lots, audit events. The code that makes such a row appends it to its
session's unit (`unit_of(session).add`); the transaction's owner writes them all at one
place, `write_unit`, right before its commit: in the same order on SQLite and PostgreSQL,
after the session's own changes (a consumption names a lot the session may have made). A
savepoint of the unit (`Unit.savepoint`) drops the rows appended inside it when the block
fails, as the database drops its own changes. A read-only session's unit refuses rows.

Nothing else decides when they go: no listener, no statement they ride with.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from partnerfleet_backend.db import bulk
from partnerfleet_backend.models import AuditEvent, LedgerEntry, LotConsumption

# The order they are written in: what a row names exists before it.
TABLES: tuple[Table, ...] = tuple(
    cast(Table, model.__table__) for model in (LedgerEntry, LotConsumption, AuditEvent)
)
_KEY = "partnerfleet.unit"


class ReadOnly(RuntimeError):
    """A write attempted in a session that only reads."""


class Unit:
    """The rows to write at the end of one transaction, per table, in the order added."""

    def __init__(self, *, read_only: bool = False) -> None:
        self.read_only = read_only
        self.rows: dict[Table, list[dict[str, Any]]] = {table: [] for table in TABLES}

    def add(self, table: Table, row: dict[str, Any]) -> None:
        self.add_many(table, [row])

    def add_many(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        if self.read_only and rows:
            raise ReadOnly(f"a row of {table.name} in a session that only reads")
        self.rows[table].extend(rows)

    def of(self, table: Table) -> list[dict[str, Any]]:
        """The rows of `table` appended so far (not written yet)."""
        return self.rows[table]

    @contextmanager
    def savepoint(self, session: Session) -> Iterator[None]:
        """A savepoint of the session and of the unit: rows appended in the block are
        dropped with the database's changes when the block fails."""
        marks = {table: len(rows) for table, rows in self.rows.items()}
        try:
            with session.begin_nested():
                yield
        except BaseException:
            for table, rows in self.rows.items():
                del rows[marks[table] :]
            raise

    def write(self, session: Session) -> None:
        """Write every row appended, table by table (many at once through COPY on
        PostgreSQL), after the session's own pending changes; the unit is empty after."""
        if not any(self.rows.values()):
            return
        session.flush()
        for table in TABLES:
            rows, self.rows[table] = self.rows[table], []
            bulk.insert_rows(session, table, rows)


def unit_of(session: Session) -> Unit:
    """The session's unit (made with the session's first row)."""
    unit = session.info.get(_KEY)
    if unit is None:
        unit = session.info[_KEY] = Unit(read_only=bool(session.info.get("read_only")))
    return cast(Unit, unit)


def write_unit(session: Session) -> None:
    """What the transaction's owner does right before its commit."""
    unit = session.info.get(_KEY)
    if unit is not None:
        cast(Unit, unit).write(session)
