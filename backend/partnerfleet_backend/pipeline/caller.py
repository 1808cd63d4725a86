"""Who calls, and the call counted against the partner's quota, in as few transactions as the
database allows.

On PostgreSQL a request is one transaction: the key is read at its start, the route's work
runs in it, and the call is counted by the last statement before the commit (counting first
would hold the partner's counter row through the work and serialise the partner's requests).
A GET runs statement by statement instead (autocommit: under READ COMMITTED each statement
reads its own snapshot anyway, and the count is one statement), which saves the BEGIN and
COMMIT round trips; work that writes still gets one transaction of its own.
A request whose work fails is counted in a short transaction of its own, and a plan (whose
transaction is rolled back) is counted before it runs. On SQLite, where a write transaction
holds the file's one write lock from its start, the key is read in a read transaction and the
call counted in a write transaction of its own, before the work."""

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from fastapi import Request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from partnerfleet_backend.db.compiled import Pending
from partnerfleet_backend.db.context import Actor
from partnerfleet_backend.db.engines import (
    in_one_transaction,
    is_retryable,
    open_session,
    run_in_transaction,
)
from partnerfleet_backend.keys.service import authenticate
from partnerfleet_backend.kit.errors import RateLimited, Unauthenticated
from partnerfleet_backend.kit.ratelimit import RateWindow
from partnerfleet_backend.operations.clock import current_time
from partnerfleet_backend.quota import service as quota
from partnerfleet_backend.settings import Settings

T = TypeVar("T")

failures = RateWindow()  # unknown keys per address
READS = frozenset({"GET", "HEAD"})


class Caller:
    """One request's caller: the key's actor, the transaction it was read in (PostgreSQL, until
    the route's first unit of work takes it over) and whether its call is still to be counted."""

    def __init__(
        self, request: Request, settings: Settings, authorization: str | None, *, way_out: bool
    ) -> None:
        self.request = request
        self.settings = settings
        self.authorization = authorization
        self.way_out = way_out  # counted but never refused for the quota
        self.held: Session | None = None
        self.owes_count = False
        self.count_first = False  # a route that shows the quota counts the call before it
        self.actor: Actor | None = None  # until identified

    def identify(self) -> Actor:
        """Read the key (on PostgreSQL in the transaction the route's work will run in; on
        SQLite the call is counted now, on its own): the actor, or 401."""
        self.actor = actor = self._identify()
        if actor.partner_id is not None:
            self.owes_count = True
            if self.held is None:
                self.settle()
        return actor

    # -- who calls ------------------------------------------------------------------------

    def _identify(self) -> Actor:
        """An unknown key costs a read and never a write; an address that keeps sending them
        gets 429 for a while."""
        secret = self.settings.resolved_secret_key()
        try:
            if one_transaction(self.settings):
                actor = self._read_key_in_held(secret)
            else:
                actor = run_in_transaction(
                    lambda s: authenticate(s, secret, self.authorization),
                    self.settings,
                    write=False,
                )
        except Unauthenticated:
            address = self.request.client.host if self.request.client else "unknown"
            allowed, retry_after = failures.allow(address, self.settings.auth_failures_per_minute)
            if not allowed:
                error = RateLimited("too many requests with invalid API keys; slow down")
                error.headers["Retry-After"] = str(retry_after)
                raise error from None
            raise
        return actor

    def _read_key_in_held(self, secret: bytes) -> Actor:
        # A GET only reads (and counts the call): statement by statement, no BEGIN and COMMIT.
        session = open_session(self.settings, statements=self.request.method in READS)
        try:
            actor = authenticate(session, secret, self.authorization)
        except DBAPIError as error:
            session.close()
            if not is_retryable(error):
                raise
            return run_in_transaction(  # a dropped connection: read again, retried
                lambda s: authenticate(s, secret, self.authorization), self.settings
            )
        except BaseException:
            session.close()
            raise
        self.held = session
        return actor

    def same_key(self, session: Session) -> None:
        """Read the key again in a retried transaction: revoked meanwhile is 401."""
        actor = authenticate(session, self.settings.resolved_secret_key(), self.authorization)
        if self.actor is None or actor.key_id != self.actor.key_id:
            raise Unauthenticated("the API key is not valid or was revoked")

    # -- the counted call -----------------------------------------------------------------

    def count(self, session: Session, held: tuple[Pending, datetime] | None = None) -> None:
        """Count the call in `session` (429 when the month's calls are used up: a refused call
        is not counted, and never counted again); `held`: the count `hold_count` made."""
        if not self.owes_count or self.actor is None or self.actor.partner_id is None:
            return
        session.flush()  # the work's rows first: the counter's row stays locked only to the end
        try:
            state = quota.consume(
                session,
                self.actor.partner_id,
                current_time(session, self.settings) if held is None else held[1],
                refuse=not self.way_out,
                held=None if held is None else held[0],
            )
        except quota.QuotaExhausted:
            self.owes_count = False
            raise
        self.request.state.ratelimit = state.headers()

    def hold_count(self, session: Session) -> tuple[Pending, datetime] | None:
        """The count, held back on PostgreSQL to ride with the work's last change that shows
        rows (the debit of a charge, a license's versioned update: one round trip less); sent
        on its own by `count` if nothing took it. A GET running statement by statement has it
        ride early, with its first read of one row (a license): each statement is its own
        transaction there, so riding early holds no counter row through the work. Nothing is
        held for a GET in a transaction of its own."""
        if not self.owes_count or self.actor is None or self.actor.partner_id is None:
            return None
        if not one_transaction(self.settings):
            return None
        early = not in_one_transaction(session)
        if self.request.method in READS and not early:
            return None
        now = current_time(session, self.settings)
        pending = quota.hold_count(
            session, self.actor.partner_id, now, refuse=not self.way_out, early=early
        )
        return pending, now

    def run(self, unit: Callable[[Session], T], *, write: bool = True, one: bool = False) -> T:
        """`unit` in one transaction that also counts the call if it is still owed: the held
        one when it is still there, else a new one (retried on transient errors). A GET's
        held session runs statement by statement: work that writes, or needs `one`
        transaction, gets a new one."""
        held, self.held = self.held, None

        def counted(session: Session) -> T:
            if self.count_first:
                self.count(session)
                return unit(session)
            pending = self.hold_count(session)
            try:
                result = unit(session)
            except BaseException:
                if pending is not None and pending[0].early and pending[0].state == "done":
                    # it went, as a transaction of its own: counted for good (a 429 outranks)
                    self.count(session, pending)
                    self.owes_count = False
                raise
            self.count(session, pending)
            return result

        def again(session: Session) -> T:
            self.same_key(session)
            return counted(session)

        statements = held is not None and not in_one_transaction(held)
        if held is not None and (write or one) and statements:
            held.close()  # its work in one transaction after all
            held, counted_here = None, again
        else:
            counted_here = counted
        if held is not None:
            try:
                result = counted(held)
                if statements:
                    held.flush()  # each statement is its own transaction: nothing to commit
                else:
                    held.commit()
            except DBAPIError as error:
                held.rollback()
                if not is_retryable(error):
                    raise
            else:
                self.owes_count = False
                return result
            finally:
                held.close()
            counted_here = again  # a dropped connection: read the key again, retried
        result = run_in_transaction(counted_here, self.settings, write=write)
        self.owes_count = False
        return result

    def count_more(self, calls: int) -> None:
        """Count `calls` more calls of this request (after its own one), in a transaction of
        their own; 429 when they do not fit."""
        if calls <= 0 or self.actor is None or self.actor.partner_id is None:
            return
        partner_id = self.actor.partner_id

        def more(session: Session) -> None:
            now = current_time(session, self.settings)
            state = quota.consume_more(session, partner_id, now, calls)
            self.request.state.ratelimit = state.headers()

        run_in_transaction(more, self.settings)

    @property
    def unsettled(self) -> bool:
        """A call still to count, or a transaction still held."""
        return self.owes_count or self.held is not None

    def settle(self) -> None:
        """Count the call if nothing counted it (a route that failed, read nothing, or only
        simulated), and let the held transaction go."""
        if self.owes_count:
            self.run(lambda _session: None)
        elif self.held is not None:
            held, self.held = self.held, None
            held.close()


def one_transaction(settings: Settings) -> bool:
    return not settings.resolved_database_url().startswith("sqlite")
