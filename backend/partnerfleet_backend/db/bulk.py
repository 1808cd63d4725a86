"""Many rows in few round trips: the job runs write tens of thousands of rows at once.

On PostgreSQL rows go through COPY (about four times faster than a pipelined executemany, and
no SQL compiled per row); an update copies the new values into a temporary table and changes
every row with one UPDATE ... FROM. Elsewhere (SQLite, in-process) an executemany is already
cheap. Small batches take the executemany path everywhere.

Values are converted by the columns' own types (a UTC column stores naive UTC, JSON is
serialised), and scalar Python-side defaults are filled in, so a row written here reads back
exactly as one written through the ORM.
"""

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from psycopg import sql
from sqlalchemy import Column, Table, bindparam, insert, inspect, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

COPY_FROM_ROWS = 200  # below this the executemany is as fast and simpler
_temp_names = itertools.count(1)

Row = dict[str, Any]
T = TypeVar("T")
M = TypeVar("M")


def chunks(items: Sequence[T], size: int = 1000) -> Iterator[Sequence[T]]:
    """`items` in slices small enough for an IN list (or one multi-row statement)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def of_partner_among(
    session: Session, model: type[M], partner_id: str, ids: Sequence[str]
) -> list[M]:
    """The partner's objects of `model` among `ids` (one query per thousand)."""
    columns = inspect(model).columns
    found: list[M] = []
    for chunk in chunks(ids):
        found.extend(
            session.scalars(
                select(model).where(columns["partner_id"] == partner_id, columns["id"].in_(chunk))
            )
        )
    return found


def _postgres(session: Session, rows: Sequence[Row]) -> bool:
    return len(rows) >= COPY_FROM_ROWS and session.get_bind().dialect.name == "postgresql"


def _with_defaults(table: Table, rows: Sequence[Row]) -> tuple[list[str], list[Row]]:
    """Every row with the same columns: the given ones plus scalar Python-side defaults."""
    given = list(rows[0])
    missing: dict[str, Any] = {}
    for column in table.columns:
        if column.name in given or column.default is None:
            continue
        default = column.default
        if not default.is_scalar:
            raise ValueError(f"{table.name}.{column.name} needs a value: its default is computed")
        missing[column.name] = default.arg  # type: ignore[attr-defined]
    for row in rows:
        if len(row) != len(given) or any(name not in row for name in given):
            raise ValueError(f"rows for {table.name} must all have the same columns")
    if not missing:
        return given, list(rows)
    return given + list(missing), [{**missing, **row} for row in rows]


def _converters(
    table: Table, names: list[str], dialect: Dialect
) -> list[Callable[[Any], Any] | None]:
    columns: list[Column[Any]] = [table.c[name] for name in names]
    return [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]


def _copy(session: Session, target: str, names: list[str], table: Table, rows: list[Row]) -> None:
    connection = session.connection()
    convert = _converters(table, names, connection.dialect)
    raw = connection.connection.driver_connection
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(target), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(
                [
                    value if fn is None else fn(value)
                    for fn, value in zip(convert, (row[name] for name in names), strict=True)
                ]
            )


def _expire_loaded(session: Session, table: Table, key: str, values: set[Any]) -> None:
    for obj in list(session.identity_map.values()):
        mapper = inspect(obj).mapper
        if table in mapper.tables and getattr(obj, key) in values:
            session.expire(obj)


def insert_rows(session: Session, table: Table, rows: Sequence[Row]) -> None:
    """Insert `rows` (dicts with the same keys) into `table`."""
    if not rows:
        return
    session.flush()  # rows written here may refer to objects still pending in the session
    if not _postgres(session, rows):
        session.execute(insert(table), list(rows))
        return
    names, complete = _with_defaults(table, rows)
    _copy(session, table.name, names, table, complete)


def update_rows(session: Session, table: Table, rows: Sequence[Row], key: str = "id") -> None:
    """Set the given columns of each row found by `key` (every row has the same keys).

    The caller holds the rows' locks. Objects of these rows already loaded in the session are
    expired, so they read what was written when used again."""
    if not rows:
        return
    session.flush()
    _expire_loaded(session, table, key, {row[key] for row in rows})
    names = list(rows[0])
    if key not in names:
        raise ValueError(f"rows for {table.name} need their {key!r}")
    changed = [name for name in names if name != key]
    if not _postgres(session, rows):
        session.execute(
            update(table)
            .where(table.c[key] == bindparam(f"b_{key}"))
            .values({name: bindparam(name) for name in changed}),
            [{f"b_{key}": row[key], **{name: row[name] for name in changed}} for row in rows],
        )
        return
    temp = f"pf_bulk_{next(_temp_names)}"
    columns = sql.SQL(", ").join(map(sql.Identifier, names))
    connection = session.connection()
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA"
            ).format(sql.Identifier(temp), columns, sql.Identifier(table.name))
        )
    _copy(session, temp, names, table, list(rows))
    with raw.cursor() as cursor:
        cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(temp)))  # a sound join plan
        cursor.execute(
            sql.SQL("UPDATE {t} SET {sets} FROM {tmp} WHERE {t}.{k} = {tmp}.{k}").format(
                t=sql.Identifier(table.name),
                tmp=sql.Identifier(temp),
                k=sql.Identifier(key),
                sets=sql.SQL(", ").join(
                    sql.SQL("{} = {}.{}").format(
                        sql.Identifier(name), sql.Identifier(temp), sql.Identifier(name)
                    )
                    for name in changed
                ),
            )
        )
        cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(temp)))
