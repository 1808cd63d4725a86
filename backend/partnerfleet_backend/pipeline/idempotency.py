"""Idempotency keys on POST: replay the first response, refuse reuse and concurrent use."""

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from partnerfleet_backend.database import run_in_transaction
from partnerfleet_backend.kit.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from partnerfleet_backend.models import IdempotencyKey
from partnerfleet_backend.operations.clock import utcnow
from partnerfleet_backend.settings import Settings

MAX_KEY_LENGTH = 255


def fingerprint(method: str, path: str, body: bytes) -> str:
    """A hash of what was asked; JSON bodies compared by content, not key order."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def claim(
    settings: Settings, scope: str, key: str, print_: str
) -> tuple[int, dict[str, Any]] | None:
    """Claim `key` for this request, or return the stored (status, body) to replay."""

    def attempt(session: Session) -> tuple[int, dict[str, Any]] | None:
        now = utcnow()
        row = session.scalar(
            select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
        )
        if row is not None and row.created_at < now - timedelta(
            seconds=settings.idempotency_window_seconds
        ):
            session.delete(row)
            session.flush()
            row = None
        if row is None:
            session.add(
                IdempotencyKey(
                    scope=scope,
                    key=key,
                    fingerprint=print_,
                    state="running",
                    locked_at=now,
                    created_at=now,
                )
            )
            session.flush()
            return None
        if row.fingerprint != print_:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used with another request; use a new key"
            )
        if row.state == "done":
            assert row.response_status is not None and row.response_body is not None
            return row.response_status, row.response_body
        if row.locked_at > now - timedelta(seconds=settings.idempotency_lock_seconds):
            raise IdempotencyKeyInUse(
                "a request with this Idempotency-Key is still running; retry shortly"
            )
        row.locked_at = now  # the first attempt died: take over
        return None

    for _ in range(2):
        try:
            return run_in_transaction(attempt, settings)
        except IntegrityError:
            continue  # a concurrent request inserted the same key first
    raise IdempotencyKeyInUse("a request with this Idempotency-Key is still running")


def complete(
    session: Session,
    scope: str,
    key: str,
    print_: str,
    status: int,
    body: dict[str, Any],
    now: datetime,
) -> None:
    """Store the response, in the same transaction as the work it describes."""
    row = session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
    )
    if row is None:  # the claim expired and was swept meanwhile; store afresh
        row = IdempotencyKey(
            scope=scope, key=key, fingerprint=print_, locked_at=now, created_at=now
        )
        session.add(row)
    row.state = "done"
    row.response_status = status
    row.response_body = body


def release(settings: Settings, scope: str, key: str) -> None:
    """Forget a claim whose request failed unexpectedly, so a retry may run."""

    def work(session: Session) -> None:
        session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.scope == scope,
                IdempotencyKey.key == key,
                IdempotencyKey.state == "running",
            )
        )

    run_in_transaction(work, settings)


def record_refusal(
    settings: Settings, scope: str, key: str, print_: str, status: int, body: dict[str, Any]
) -> None:
    """A refused request stays refused under its key (even after a top-up)."""

    def work(session: Session) -> None:
        complete(session, scope, key, print_, status, body, utcnow())

    run_in_transaction(work, settings)
