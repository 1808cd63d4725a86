"""Statements that run on every request, compiled once and handed to the driver as they are.

Through SQLAlchemy's Core a statement costs this service about twice its round trip to
PostgreSQL: the statement's cache key is worked out anew on every run (a walk over the whole
statement), then parameters and rows pass through the execution context. A request runs the
same few statements every time, so on PostgreSQL `Prepared` compiles its statement once,
processes the parameters with the column types' own bind processors and lets psycopg run the
text (which psycopg prepares on the server after a few runs); rows pass through the result
columns' own processors (a UTC timestamp comes back aware) and are plain tuples. Errors are
the ones Core raises (a lost connection invalidates it, a violated constraint is an
IntegrityError), so the retry and conflict handling around it stays as it is. On other
databases the statement runs through Core."""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, bindparam, event, insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable
from sqlalchemy.sql.util import find_tables

from partnerfleet_backend.db.driver import connection_of, cursor_of, literal, raised

Row = tuple[Any, ...]


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
    shows_more: bool  # a change ... RETURNING, whose rows can show other parts' rows too
    width: int  # its columns


class Prepared:
    """One statement, compiled once per dialect (see the module's text)."""

    def __init__(
        self, statement: Executable, *, sees: tuple[type, ...] = (), single: bool = False
    ) -> None:
        self.statement: Executable = statement
        # Like an ORM query of these models: when the session holds new or changed objects of
        # them, its pending changes are written first (the statement must see those rows, or
        # needs them to exist); other pending changes stay for the ORM's own flush.
        self.sees = sees
        self.single = single  # a SELECT of at most one row: an `early` held one rides with it
        self._compiled: dict[str, _Compiled] = {}

    def first(self, session: Session, params: Mapping[str, Any]) -> Row | None:
        """The first row, or None."""
        rows = self._run(self._connection(session), params, one=True)
        return rows[0] if rows else None

    def all(self, session: Session, params: Mapping[str, Any]) -> Sequence[Row]:
        return self._run(self._connection(session), params, one=False)

    def send(self, session: Session, params: Mapping[str, Any]) -> None:
        """Run a write whose answer nobody reads. On PostgreSQL it is held back and goes to
        the database inside the next statement of its connection (see `_HELD`), or on its own
        before any other statement or step of the transaction; a failure is raised there. A
        rollback drops it with the rest of the transaction."""
        self._hold(session, params, None)

    def hold(
        self, session: Session, params: Mapping[str, Any], *, early: bool = False
    ) -> "Pending":
        """Run a change ... RETURNING whose first row is wanted only later (`Pending.first`):
        on PostgreSQL it is held back like a write of `send`, and rides with the next change
        ... RETURNING that shows its row too, or goes on its own when its row is asked for or
        the transaction takes a step. `early`: it may ride with a `single` SELECT too (for a
        connection that runs statement by statement, where riding early holds no lock)."""
        pending = Pending(early=early)
        self._hold(session, params, pending)
        return pending

    def _hold(self, session: Session, params: Mapping[str, Any], pending: "Pending | None") -> None:
        connection = self._connection(session)
        if connection.dialect.name != "postgresql":
            rows = self._run(connection, params, one=True)
            if pending is not None:
                pending.resolve(rows[0] if rows else None)
            return
        compiled, values = self._bound(connection, params)
        held = connection.connection.info.setdefault(_HELD, [])
        if held and not all(_independent(part[0], compiled) for part in held):
            send_held(connection, everything=True)
        held.append((compiled, values, pending))

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
        shown: list[Pending] = []
        if held:
            if not all(_independent(part[0], compiled) for part in held):
                send_held(connection, everything=True)
            elif parts := _taken(
                held,
                wanted_too=compiled.shows_more,
                early_too=self.single and compiled.writes is None,
            ):
                query, values, shown = _carried(parts, compiled, values)
        try:
            cursor = cursor_of(pooled)
            cursor.execute(query, values)
            if not compiled.returns_rows:
                return []
            rows = cursor.fetchall() if shown or not one else cursor.fetchmany(1)
        except dialect.loaded_dbapi.Error as error:
            raise raised(connection, query.decode(), values, error) from error
        if shown:
            around = compiled.writes is None  # joined to one row (`_carried`): found or not
            found = not around or bool(rows[0][-1])
            if around:
                rows = [row[:-1] for row in rows]
            rows = _show(shown, rows, len(rows[0]) - _extra(shown) if rows else 0)
            if not found:
                rows = []
        if compiled.results is None:
            return cast(list[Row], rows)  # psycopg's rows are tuples
        return [
            tuple(v if f is None else f(v) for f, v in zip(compiled.results, row, strict=True))
            for row in rows
        ]

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
            written = literal(value)
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
            shows_more=target is not None and bool(columns),
            width=len(columns),
        )
        self._compiled[dialect.name] = made
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


class Pending:
    """The first row of a statement `Prepared.hold` held back, once it went to the database."""

    def __init__(self, *, early: bool = False) -> None:
        self.early = early  # may ride with a `single` SELECT
        self.state = "held"  # then "done", or "lost" (its carrier showed no row), "dropped"
        self.row: Row | None = None
        self.results: tuple[Callable[[Any], Any] | None, ...] | None = None

    def resolve(self, row: Row | None) -> None:
        self.state, self.row = "done", row

    def first(self, session: Session) -> Row | None:
        """Its row (None: it returned none), sent now if it is still held."""
        if self.state == "held":
            send_held(connection_of(session), everything=True)
        if self.state != "done":
            raise RuntimeError(f"a held statement's row is {self.state}")
        return self.row


def _extra(shown: list[Pending]) -> int:
    return sum(1 + len(p.results or ()) for p in shown)


def _show(shown: list[Pending], rows: list[Row], width: int) -> list[Row]:
    """Hand each shown part its row (the columns after `width`); the carrier's rows back."""
    if not rows:
        for pending in shown:
            pending.state = "lost"
        return rows
    first, at = rows[0], width
    for pending in shown:
        size = len(pending.results or ())
        found, values = first[at], first[at + 1 : at + 1 + size]
        at += 1 + size
        processors = pending.results or ()
        pending.resolve(
            None
            if not found
            else tuple(v if f is None else f(v) for f, v in zip(processors, values, strict=True))
        )
    return [row[:width] for row in rows]


def _carried(
    parts: list[tuple[_Compiled, dict[str, Any], Pending | None]],
    last: _Compiled | None,
    values: dict[str, Any],
) -> tuple[bytes, dict[str, Any], list[Pending]]:
    """`parts` and `last` as one statement: `last` with the parts as WITH parts before it and
    the wanted parts' rows as columns after its own (without `last`: a SELECT of those). A
    SELECT `last` (of at most one row) showing wanted parts is joined to one row, so there is
    always a row to show them: its last column says whether `last` found one."""
    key = (*(f"{p[0].sql}{p[2] is not None}" for p in parts), "" if last is None else last.sql)
    query = _combined.get(key)
    if query is None:
        ctes, extra = [], []
        for i, (part, _, pending) in enumerate(parts):
            if pending is None:
                ctes.append(f"w{i} AS ({_renamed(part.sql, i)})")
                continue
            width = part.width
            names = ", ".join(f"c{k}" for k in range(width))
            ctes.append(f"w{i} ({names}) AS ({_renamed(part.sql, i)})")
            # (our own names and numbers only: no value is ever written into this text)
            extra.append(f"(SELECT true FROM w{i} LIMIT 1)")  # noqa: S608
            extra.extend(f"(SELECT c{k} FROM w{i} LIMIT 1)" for k in range(width))  # noqa: S608
        body = f"SELECT {', '.join(extra)}" if last is None else last.sql
        if last is not None and extra and last.writes is None:
            body = (  # our own statements' text only, as above
                f"SELECT pf_s.*, {', '.join(extra)}, NOT (pf_s IS NULL) FROM (SELECT 1) AS "  # noqa: S608
                f"pf_one LEFT JOIN LATERAL ({last.sql}) AS pf_s ON true"
            )
        elif last is not None and extra:
            body += ", " + ", ".join(extra)
        query = _combined[key] = f"WITH {', '.join(ctes)} {body}".encode()
    merged = {f"w{i}_{name}": v for i, p in enumerate(parts) for name, v in p[1].items()}
    merged.update(values)
    shown = [p[2] for p in parts if p[2] is not None]
    for part, _, pending in parts:
        if pending is not None:
            pending.results = part.results or (None,) * part.width
    return query, merged, shown


def _taken(held: list[Any], *, wanted_too: bool, early_too: bool = False) -> list[Any]:
    """The held parts that go now, out of `held`: the writes, and with `wanted_too` the
    statements whose rows are wanted as well (with `early_too`: the `early` ones)."""

    def going(part: Any) -> bool:
        return wanted_too or part[2] is None or (early_too and part[2].early)

    gone = [part for part in held if going(part)]
    held[:] = [part for part in held if not going(part)]
    return gone


def _renamed(sql: str, i: int) -> str:
    """`sql` with its parameters renamed for part `i` of a combined statement."""
    return _PARAMETER.sub(lambda m: f"%(w{i}_{m.group(1)})s", sql)


def send_held(connection: Connection, *, everything: bool = False) -> None:
    """Send the writes held back on this connection now, as one statement (`everything`: the
    held statements whose rows are wanted too)."""
    if connection.invalidated:
        return  # lost with the connection, and so is their transaction
    pooled = connection.connection
    held = pooled.info.get(_HELD)
    if not held:
        return
    parts = _taken(held, wanted_too=everything)
    if not parts:
        return
    if any(part[2] is not None for part in parts):
        query, values, shown = _carried(parts, None, {})
    else:
        last, values, _ = parts.pop()
        query, values, shown = _carried(parts, last, values) if parts else (last.query, values, [])
    try:
        cursor = cursor_of(pooled)
        cursor.execute(query, values)
        if shown:
            _show(shown, cursor.fetchall(), 0)
    except connection.dialect.loaded_dbapi.Error as error:
        raise raised(connection, query.decode(), values, error) from error


def hold_writes_on(engine: Engine) -> None:
    """Keep the order on `engine`: held writes go before any statement that does not come
    through `Prepared` and before a commit or savepoint step; a rollback, or the connection's
    return to the pool, drops them."""

    def before(connection: Connection, *_: Any) -> None:
        send_held(connection)  # a statement of the ORM's: what it may need to see

    def step(connection: Connection, *_: Any) -> None:
        send_held(connection, everything=True)

    def drop(connection: Connection, *_: Any) -> None:
        if not connection.invalidated:  # else its pool record starts afresh on reconnecting
            _dropped(connection.connection.info.pop(_HELD, None))

    event.listen(engine, "before_cursor_execute", before)
    for name in ("commit", "savepoint", "release_savepoint", "rollback_savepoint"):
        event.listen(engine, name, step)
    event.listen(engine, "rollback", drop)
    event.listen(
        engine.pool, "checkin", lambda _driver, record: _dropped(record.info.pop(_HELD, None))
    )


def _dropped(held: list[Any] | None) -> None:
    for _, _, pending in held or ():
        if pending is not None:
            pending.state = "dropped"


def inserting_every_column(table: Table, *, sees: tuple[type, ...] = ()) -> Prepared:
    """An INSERT of one row of `table`, every column a parameter of the column's name."""
    values = {c.name: bindparam(c.name, type_=c.type) for c in table.columns}
    return Prepared(insert(table).values(values), sees=sees)
