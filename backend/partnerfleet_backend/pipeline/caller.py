"""Who calls, and the call counted against the partner's quota, when the key is read.

The key is read and, for a partner's key, its call counted before the route's work, on a
connection of its own: on PostgreSQL in one statement that runs by itself (the key a WITH
part, the count an upsert), so the partner's counter row is held for that statement only and
never through the work; on SQLite the key in a read, the count in a write transaction of its
own (an unknown key never takes the file's write lock). A call over the month's limit is 429
before any work (and not counted); a request that fails after it was counted stays counted.

Then the work: a change in one transaction of its own (its unit of work written right before
the commit), a GET statement by statement in a session that only reads."""

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from sqlalchemy.orm import Session

from partnerfleet_backend.db.context import Actor
from partnerfleet_backend.db.engines import run_in_transaction, run_statements
from partnerfleet_backend.keys.service import actor_from, actor_of, digest_of
from partnerfleet_backend.kit.errors import RateLimited, Unauthenticated
from partnerfleet_backend.kit.ratelimit import RateWindow
from partnerfleet_backend.operations.clock import current_time
from partnerfleet_backend.quota import service as quota
from partnerfleet_backend.quota.service import QuotaState
from partnerfleet_backend.settings import Settings

T = TypeVar("T")

failures = RateWindow()  # unknown keys per address
READS = frozenset({"GET", "HEAD"})


class Caller:
    """One request's caller: the key's actor, its call counted when it is read."""

    def __init__(
        self, request: Request, settings: Settings, authorization: str | None, *, way_out: bool
    ) -> None:
        self.request = request
        self.settings = settings
        self.authorization = authorization
        self.way_out = way_out  # counted but never refused for the quota
        self.actor: Actor | None = None  # until identified

    def identify(self) -> Actor:
        """Read the key and count the call of a partner's key: the actor, or 401 (429 for an
        address that keeps sending unknown keys, or a partner whose calls are used up)."""
        try:
            digest = digest_of(self.settings.resolved_secret_key(), self.authorization)
            if one_statement(self.settings):
                actor, state = run_statements(self._key_and_count(digest), self.settings)
            else:
                actor = run_in_transaction(
                    lambda s: actor_of(s, digest), self.settings, write=False
                )
                state = self._count(actor)
        except Unauthenticated:
            address = self.request.client.host if self.request.client else "unknown"
            allowed, retry_after = failures.allow(address, self.settings.auth_failures_per_minute)
            if not allowed:
                error = RateLimited("too many requests with invalid API keys; slow down")
                error.headers["Retry-After"] = str(retry_after)
                raise error from None
            raise
        if state is not None:
            self.request.state.ratelimit = state.headers()
        self.actor = actor
        return actor

    def _key_and_count(self, digest: bytes) -> Callable[[Session], tuple[Actor, QuotaState | None]]:
        def work(session: Session) -> tuple[Actor, QuotaState | None]:
            now = current_time(session, self.settings)
            found = quota.key_and_count(session, digest, now, refuse=not self.way_out)
            return actor_from(found[0] if found else None, digest), found[1] if found else None

        return work

    def _count(self, actor: Actor) -> QuotaState | None:
        partner_id = actor.partner_id
        if partner_id is None:
            return None

        def work(session: Session) -> QuotaState:
            now = current_time(session, self.settings)
            return quota.consume(session, partner_id, now, refuse=not self.way_out)

        return run_in_transaction(work, self.settings)

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

    def run(self, unit: Callable[[Session], T], *, write: bool = True, one: bool = False) -> T:
        """`unit` in one transaction of its own (retried on transient errors); a GET's that
        only reads statement by statement in a session that only reads (on PostgreSQL; a
        read transaction on SQLite). `one`: a transaction even for a read (a server-side
        cursor)."""
        if write or one or not one_statement(self.settings):
            return run_in_transaction(unit, self.settings, write=write)
        return run_statements(unit, self.settings, read_only=True)


def one_statement(settings: Settings) -> bool:
    """Whether the key's read and the count go in one statement, and reads statement by
    statement (PostgreSQL)."""
    return not settings.resolved_database_url().startswith("sqlite")
