"""Webhook delivery of notifications: signed, timestamped, retried with backoff, never in the
request that caused them (the scheduler of `serve`, or `jobs run`, delivers).

Signature: header ``PartnerFleet-Signature: t=<unix seconds>,v1=<hex>``, where ``<hex>`` is
HMAC-SHA256 with the partner's webhook secret over ``"<t>." + body``.
"""

import hashlib
import hmac
import json
import time
from datetime import timedelta

import requests
from sqlalchemy.orm import Session

from partnerfleet_backend.database import run_in_transaction
from partnerfleet_backend.models import Delivery
from partnerfleet_backend.notification import repository
from partnerfleet_backend.operations.clock import utcnow
from partnerfleet_backend.settings import Settings

MAX_ATTEMPTS = 8
BATCH = 100
TIMEOUT = (3.0, 10.0)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does: check the signature and that it is recent."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at 1 h."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def deliver_due(settings: Settings, http: requests.Session | None = None) -> dict[str, int]:
    """Send the notifications that are due to their partners' webhooks."""
    http = http or requests.Session()

    def claim(session: Session) -> list[tuple[str, str, str, bytes]]:
        now = utcnow()
        repository.settle_without_webhook(session)
        claimed = []
        for note, url, secret in repository.claim_due(session, now, BATCH):
            note.attempts += 1
            note.next_attempt_at = now + backoff(note.attempts)  # the lease while we send
            body = json.dumps(
                {
                    "id": note.id,
                    "kind": note.kind,
                    "message": note.message,
                    "data": note.data,
                    "created_at": note.created_at.isoformat(),
                },
                sort_keys=True,
            ).encode()
            claimed.append((note.id, url, secret or "", body))
        return claimed

    sent = failed = 0
    for note_id, url, secret, body in run_in_transaction(claim, settings):
        error: str | None = None
        try:
            response = http.post(
                url,
                data=body,
                timeout=TIMEOUT,
                headers={
                    "Content-Type": "application/json",
                    "PartnerFleet-Signature": sign(secret, int(time.time()), body),
                },
            )
            if response.status_code >= 300:
                error = f"HTTP {response.status_code}"
        except requests.RequestException as problem:
            error = type(problem).__name__

        def record(session: Session, note_id: str = note_id, error: str | None = error) -> None:
            note = repository.get(session, note_id)
            if note is None:
                return
            if error is None:
                note.delivery, note.last_error = Delivery.DELIVERED, None
            else:
                note.last_error = error
                if note.attempts >= MAX_ATTEMPTS:
                    note.delivery = Delivery.FAILED

        run_in_transaction(record, settings)
        sent += error is None
        failed += error is not None
    return {"delivered": sent, "failed_attempts": failed}
