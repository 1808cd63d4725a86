"""The database: engines and sessions (SQLite with WAL and BEGIN IMMEDIATE, PostgreSQL as it
is), transactions retried on transient errors, and the migrations."""

import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from importlib import resources
from typing import Any, TypeVar

import psycopg
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from partnerfleet_backend.db import dialect  # noqa: F401 (registers postgresql+partnerfleet)
from partnerfleet_backend.db.unit import ReadOnly, write_unit
from partnerfleet_backend.kit.errors import ServiceUnavailable
from partnerfleet_backend.settings import Settings, get_settings

T = TypeVar("T")

IDLE_IN_TRANSACTION_MS = 60_000
_engines: dict[tuple[int, str, bool, bool], Engine] = {}


def private_sqlite_files(url: str) -> None:
    """The SQLite file and its WAL and shared-memory files readable by the service's user only
    (they hold the ledger and key hashes): created 0600, and made so if they exist."""
    path = url.split("///", 1)[1] if "///" in url else ""
    if not path or path == ":memory:":
        return
    if not os.path.exists(path):
        # Never open an existing database file here: closing any descriptor of it would drop
        # this process's POSIX locks on it, which SQLite's connections rely on.
        with suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600))
    for name in (path, f"{path}-wal", f"{path}-shm"):
        if os.path.exists(name):
            os.chmod(name, 0o600)


def make_engine(url: str, *, immediate: bool = True, statements: bool = False) -> Engine:
    """An engine for `url`; on SQLite every write transaction starts with BEGIN IMMEDIATE.
    `statements` (PostgreSQL): its connections run statement by statement (autocommit), set
    so once when made (a pool of their own: no switching back and forth on every checkout)."""
    if url.startswith("sqlite"):
        private_sqlite_files(url)
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            hide_parameters=True,  # no values (license keys...) in error messages and logs
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    if url.startswith(("postgresql://", "postgresql+psycopg://")):
        # psycopg, with the savepoints of `db.dialect`
        url = "postgresql+partnerfleet://" + url.split("://", 1)[1]
    # No pre-ping (a round trip per checkout): a connection dropped by a database restart
    # fails its first statement, the pool is invalidated and run_in_transaction retries.
    # statement by statement: autocommit set when connected, no transaction to end on return
    autocommit: dict[str, Any] = (
        {"isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None} if statements else {}
    )
    # A transaction left idle (a client that stopped reading, a bug) is ended by the server
    # after a minute instead of holding its rows and its connection for good.
    idle = {"options": f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"}
    engine = create_engine(
        url,
        pool_size=5,
        max_overflow=5,
        hide_parameters=True,
        connect_args=idle,
        **autocommit,
    )
    return engine


def get_engine(
    settings: Settings | None = None, *, write: bool = True, statements: bool = False
) -> Engine:
    """The engine of this process (re-created after a fork); `statements`: its engine that
    runs statement by statement, on PostgreSQL (see `statement_scope`)."""
    settings = settings or get_settings()
    url = settings.resolved_database_url()
    write = write or not url.startswith("sqlite")
    statements = statements and not url.startswith("sqlite")
    key = (os.getpid(), url, write, statements)
    engine = _engines.get(key)
    if engine is None:
        engine = make_engine(url, immediate=write, statements=statements)
        _engines[key] = engine
    return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests, shutdown)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
    _factories.clear()


class ReadOnlySession(Session):
    """A session that only reads: a change of its objects, a write statement or a row for
    its unit of work fails loudly here, on SQLite and PostgreSQL alike (a session that runs
    statement by statement would otherwise write each one for good, and one in a read
    transaction would lose it)."""

    def flush(self, objects: Any = None) -> None:
        if self.new or self.dirty or self.deleted:
            raise ReadOnly("a change of an object in a session that only reads")
        super().flush(objects)

    def execute(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(statement, "is_dml", False):
            raise ReadOnly(f"a write statement in a session that only reads: {statement}")
        return super().execute(statement, *args, **kwargs)


_factories: dict[tuple[Engine, bool], sessionmaker[Session]] = {}


def _session(engine: Engine, *, read_only: bool = False) -> Session:
    """A new session of `engine` (one sessionmaker per engine and kind: making one builds a
    class, too slow per transaction)."""
    factory = _factories.get((engine, read_only))
    if factory is None:
        factory = _factories[(engine, read_only)] = sessionmaker(
            bind=engine,
            expire_on_commit=False,
            class_=ReadOnlySession if read_only else Session,
        )
    session = factory()
    session.info["read_only"] = read_only
    return session


@contextmanager
def session_scope(settings: Settings | None = None, *, write: bool = True) -> Iterator[Session]:
    """One transaction: its unit of work written and committed when the block ends, rolled
    back on an exception. `write=False`: a session that only reads."""
    with _scope(_session(get_engine(settings, write=write), read_only=not write)) as session:
        yield session


@contextmanager
def statement_scope(settings: Settings | None = None, *, read_only: bool) -> Iterator[Session]:
    """On PostgreSQL a session whose statements each run as a transaction of their own
    (autocommit: no BEGIN and COMMIT round trips; under READ COMMITTED every statement reads
    its own snapshot anyway); elsewhere one transaction. `read_only`: it only reads."""
    engine = get_engine(settings, write=not read_only, statements=True)
    with _scope(_session(engine, read_only=read_only)) as session:
        yield session


@contextmanager
def _scope(session: Session) -> Iterator[Session]:
    """`session`'s transaction: its unit of work written right before the commit (the one
    place it is written), rolled back on an exception; closed at the end."""
    try:
        with session.begin():
            yield session
            write_unit(session)
    finally:
        session.close()


def is_retryable(error: BaseException) -> bool:
    """Serialization failures, deadlocks, a locked SQLite file, a dropped connection."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    original = getattr(error, "orig", None)
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate in {"40001", "40P01", "57P01", "57P03", "08006", "08003", "08000", "08001"}:
        return True
    if isinstance(original, psycopg.OperationalError) and sqlstate is None:
        return True  # no answer from the server: refused, reset, restarting
    return isinstance(error, OperationalError) and "database is locked" in str(error)


@contextmanager
def rolled_back_scope(settings: Settings | None = None) -> Iterator[Session]:
    """One write transaction that is always rolled back: what happens in it is seen only in
    it (a plan runs the real operations this way)."""
    session = _session(get_engine(settings, write=True))
    try:
        session.begin()
        yield session
    finally:
        session.rollback()
        session.close()


def run_in_transaction(
    work: Callable[[Session], T],
    settings: Settings | None = None,
    *,
    write: bool = True,
    keep: bool = True,
) -> T:
    """Run `work` in its own transaction, retried with jitter on transient database errors;
    committed, or with `keep=False` always rolled back."""

    def scope() -> Any:
        return session_scope(settings, write=write) if keep else rolled_back_scope(settings)

    return _retried(work, scope, settings)


def run_statements(
    work: Callable[[Session], T], settings: Settings | None = None, *, read_only: bool = False
) -> T:
    """Run `work` statement by statement (`statement_scope`), retried on transient errors."""
    return _retried(work, lambda: statement_scope(settings, read_only=read_only), settings)


def _retried(
    work: Callable[[Session], T],
    scope: Callable[[], Any],
    settings: Settings | None,
) -> T:
    settings = settings or get_settings()
    attempts = settings.db_retry_attempts
    for attempt in range(1, attempts + 1):
        try:
            with scope() as session:
                return work(session)
        except DBAPIError as error:
            if not is_retryable(error):
                raise
            if attempt == attempts:
                raise ServiceUnavailable(
                    "the database is busy or restarting; retry the request"
                ) from None
            time.sleep(random.uniform(0, 0.02 * 2**attempt))
    raise AssertionError("unreachable")


def hold_for_transaction(session: Session, name: str) -> bool:
    """Hold the lock called `name` until the transaction ends, if no other transaction holds
    it (False then). On PostgreSQL an advisory lock; SQLite's write transactions already run
    one at a time."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(
        session.scalar(text("SELECT pg_try_advisory_xact_lock(hashtext(:name))"), {"name": name})
    )


MIGRATION_LOCK_ID = 7_346_011


def alembic_config() -> Config:
    """Alembic's configuration, pointing at the migrations shipped in the package."""
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("partnerfleet_backend") / "migrations")
    )
    return config


def migrate(settings: Settings) -> None:
    """Bring the database to the newest schema (serialised across hosts on PostgreSQL)."""
    url = settings.resolved_database_url()
    engine = make_engine(url, immediate=False)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
                connection.commit()
            config = alembic_config()
            config.attributes["connection"] = connection
            # for a migration that seals a secret with it (0020)
            config.attributes["server_key"] = settings.resolved_secret_key()
            command.upgrade(config, "head")
            connection.commit()
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID}
                )
                connection.commit()
    finally:
        engine.dispose()
