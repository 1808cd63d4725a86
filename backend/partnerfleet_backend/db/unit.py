"""The rows a unit of work adds and rarely reads back within it: ledger entries, what each
took from the credit lots, invoices to customers that pay for themselves, what a license was
before an increase, audit events. The
code that makes such a row appends it to its session's unit (`unit_of(session).add`); the
transaction's owner writes them all at one place, `write_unit`, right before its commit: in
the same order on SQLite and PostgreSQL, after the session's own changes (a consumption names
a lot the session may have made). The one reader within a transaction, an undo in the grace
window (`billing/undo.py`), writes what is appended so far first (`Unit.write`: it may run more
than once; each row is written once). A savepoint of the unit (`Unit.savepoint`) drops the rows
appended inside it when the block fails, as the database drops its own changes (and those it
wrote inside it). A read-only session's unit refuses rows.

Nothing else decides when they go: no listener, no statement they ride with.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.orm import Session

from partnerfleet_backend.db import bulk
from partnerfleet_backend.db.compiled import Prepared
from partnerfleet_backend.models import (
    AuditEvent,
    Invoice,
    LedgerEntry,
    LicenseIncrease,
    LotConsumption,
)

# The order they are written in: what a row names exists before it.
TABLES: tuple[Table, ...] = tuple(
    cast(Table, model.__table__)
    for model in (LedgerEntry, LotConsumption, Invoice, LicenseIncrease, AuditEvent)
)
_KEY = "partnerfleet.unit"


class ReadOnly(RuntimeError):
    """A write attempted in a session that only reads."""


class Unit:
    """The rows of one transaction, per table, in the order added, and how many of each are
    written."""

    def __init__(self, *, read_only: bool = False) -> None:
        self.read_only = read_only
        self.rows: dict[Table, list[dict[str, Any]]] = {table: [] for table in TABLES}
        self.written: dict[Table, int] = dict.fromkeys(TABLES, 0)

    def add(self, table: Table, row: dict[str, Any]) -> None:
        self.add_many(table, [row])

    def add_many(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        if self.read_only and rows:
            raise ReadOnly(f"a row of {table.name} in a session that only reads")
        self.rows[table].extend(rows)

    def of(self, table: Table) -> list[dict[str, Any]]:
        """The rows of `table` appended so far in this transaction."""
        return self.rows[table]

    @contextmanager
    def savepoint(self, session: Session) -> Iterator[None]:
        """A savepoint of the session and of the unit: rows appended in the block are
        dropped with the database's changes when the block fails, and rows written in it are
        pending again (the database dropped them too)."""
        marks = {table: len(rows) for table, rows in self.rows.items()}
        written = dict(self.written)
        try:
            with session.begin_nested():
                yield
        except BaseException:
            for table, rows in self.rows.items():
                del rows[marks[table] :]
            self.written = written
            raise

    def write(self, session: Session) -> None:
        """Write every row appended and not written yet, after the session's own pending
        changes. On PostgreSQL a request's few rows go in one statement (each table's INSERT
        a part of it, `_together`), a calendar run's many through COPY; elsewhere table by
        table."""
        rows = {table: self.rows[table][self.written[table] :] for table in TABLES}
        if not any(rows.values()):
            return
        session.flush()
        self.written = {table: len(self.rows[table]) for table in TABLES}
        few = sum(len(r) for r in rows.values()) < bulk.COPY_FROM_ROWS
        if few and session.get_bind().dialect.name == "postgresql":
            shape = tuple(len(rows[table]) for table in TABLES)
            values = {
                f"t{t}_r{r}_{name}": value
                for t, table in enumerate(TABLES)
                for r, row in enumerate(rows[table])
                for name, value in row.items()
            }
            _together(shape, tuple(tuple(rows[t][0]) if rows[t] else () for t in TABLES)).first(
                session, values
            )
            return
        for table in TABLES:
            bulk.insert_rows(session, table, rows[table])


def unit_of(session: Session) -> Unit:
    """The session's unit (made with the session's first row)."""
    unit = session.info.get(_KEY)
    if unit is None:
        unit = session.info[_KEY] = Unit(read_only=bool(session.info.get("read_only")))
    return cast(Unit, unit)


def write_unit(session: Session) -> None:
    """What the transaction's owner does right before its commit (the next transaction of
    the session starts a unit of its own)."""
    unit = session.info.pop(_KEY, None)
    if unit is not None:
        cast(Unit, unit).write(session)


@lru_cache(maxsize=256)
def _together(shape: tuple[int, ...], columns: tuple[tuple[str, ...], ...]) -> Prepared:
    """One statement that inserts `shape[i]` rows (of `columns[i]`) into each table, in the
    order of `TABLES`: a WITH part per table, the last table's INSERT the statement itself
    (the parts see nothing of each other, and need not: the foreign keys are checked at the
    statement's end). Compiled once per shape."""
    inserts = []
    for t, (table, count) in enumerate(zip(TABLES, shape, strict=True)):
        if not count:
            continue
        inserts.append(
            insert(table).values(
                [
                    {
                        name: bindparam(f"t{t}_r{r}_{name}", type_=table.c[name].type)
                        for name in columns[t]
                    }
                    for r in range(count)
                ]
            )
        )
    *parts, last = inserts
    return Prepared(last.add_cte(*(part.cte(f"pf_w{i}") for i, part in enumerate(parts))))
