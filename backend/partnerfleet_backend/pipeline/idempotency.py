"""Idempotency keys on POST: the first answer is replayed, a reused key with another request is
refused, and a request can never outlive its claim on a key.

The claim is a row inserted in the work's own transaction: it commits with the work (and its
answer) or vanishes with it. A second request with the same key meanwhile waits on that row
(PostgreSQL holds the insert until the first transaction ends; SQLite serialises writers),
then replays the committed answer, or claims the key itself if the first rolled back. No
timeout can hand a running request's key to another.
"""

import hashlib
import json
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from partnerfleet_backend.db.engines import run_in_transaction
from partnerfleet_backend.kit.errors import IdempotencyKeyReused
from partnerfleet_backend.models import IdempotencyKey
from partnerfleet_backend.operations.clock import utcnow
from partnerfleet_backend.settings import Settings

MAX_KEY_LENGTH = 255
# Never stored with an answer: a replay gets them back from where they live, or not at all.
SECRET_FIELDS = frozenset({"license_key", "webhook_secret", "key"})


class ClaimedMeanwhile(Exception):
    """Another request with this key committed first: run again to replay its answer."""


def redact(body: dict[str, Any]) -> dict[str, Any]:
    """The answer as stored for replays: its secrets left out."""
    return {k: (None if k in SECRET_FIELDS else v) for k, v in body.items()}


def fingerprint(method: str, path: str, body: bytes) -> str:
    """A hash of what was asked; JSON bodies compared by content, not key order."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def _row(session: Session, scope: str, key: str) -> IdempotencyKey | None:
    return session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
    )


def claim(
    session: Session, settings: Settings, scope: str, key: str, print_: str
) -> tuple[int, dict[str, Any]] | None:
    """In the work's transaction: the stored (status, body) to replay, or None once this
    request holds the key (until its transaction ends)."""
    now = utcnow()
    row = _row(session, scope, key)
    if row is not None and row.created_at < now - timedelta(
        seconds=settings.idempotency_window_seconds
    ):
        session.delete(row)
        session.flush()
        row = None
    if row is None:
        try:
            with session.begin_nested():
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
        except IntegrityError:
            raise ClaimedMeanwhile from None
        return None
    if row.fingerprint != print_:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used with another request; use a new key"
        )
    if row.state == "done":
        assert row.response_status is not None and row.response_body is not None
        return row.response_status, row.response_body
    row.locked_at = now  # a claim an older version committed while running: its work is over
    return None


def complete(
    session: Session,
    scope: str,
    key: str,
    print_: str,
    status: int,
    body: dict[str, Any],
    now: datetime,
) -> None:
    """Store the answer, in the same transaction as the work it describes."""
    row = _row(session, scope, key)
    if row is None:
        row = IdempotencyKey(
            scope=scope, key=key, fingerprint=print_, locked_at=now, created_at=now
        )
        session.add(row)
    row.state = "done"
    row.response_status = status
    row.response_body = body


def record_refusal(
    settings: Settings, scope: str, key: str, print_: str, status: int, body: dict[str, Any]
) -> None:
    """A refused request stays refused under its key (even after a top-up); its work's
    transaction rolled back, so the answer is stored on its own."""

    def work(session: Session) -> None:
        complete(session, scope, key, print_, status, body, utcnow())

    with suppress(IntegrityError):  # a request with this key stored its answer first: it stands
        run_in_transaction(work, settings)
