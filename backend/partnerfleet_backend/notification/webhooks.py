"""Webhook delivery of notifications: signed, timestamped, retried with backoff, never in the
request that caused them (the scheduler of `serve`, or `jobs run`, delivers).

Signature: header ``PartnerFleet-Signature: t=<unix seconds>,v1=<hex>``, where ``<hex>`` is
HMAC-SHA256 with the partner's webhook secret over ``"<t>." + body``.
"""

import hashlib
import hmac
import json
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy.orm import Session

from partnerfleet_backend.db.engines import run_in_transaction
from partnerfleet_backend.models import Delivery as DeliveryState
from partnerfleet_backend.notification import repository
from partnerfleet_backend.notification.destinations import (
    DestinationRefused,
    Destinations,
    WebhookPost,
)
from partnerfleet_backend.operations.clock import utcnow
from partnerfleet_backend.settings import Settings

MAX_ATTEMPTS = 8
BATCH = 100
PARALLEL = 8


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


def deliver_due(settings: Settings) -> dict[str, int]:
    """Send the notifications that are due to their partners' webhooks.

    Partners are served side by side, each partner's notifications in order; every delivery
    has a total deadline, a partner's first failure ends its turn for this round (the rest wait
    for their backoff), and every failure is recorded on its own row. No endpoint can hold up
    another partner's deliveries for more than one deadline, or the calendar (which runs
    elsewhere)."""
    destinations = Destinations.of(settings)

    def claim(session: Session) -> list[tuple[str, str, str, str, bytes]]:
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
            claimed.append((note.partner_id, note.id, url, secret or "", body))
        return claimed

    by_partner: dict[str, list[tuple[str, str, str, bytes]]] = defaultdict(list)
    for partner_id, note_id, url, secret, body in run_in_transaction(claim, settings):
        by_partner[partner_id].append((note_id, url, secret, body))

    def serve_partner(items: list[tuple[str, str, str, bytes]]) -> list[str | None]:
        errors: list[str | None] = []
        for note_id, url, secret, body in items:
            if errors and errors[-1] is not None:
                error: str | None = f"not sent: {errors[-1]} on the delivery before"
            else:
                error = _send(destinations, settings.webhook_deadline_seconds, url, secret, body)
            _record(settings, note_id, error)
            errors.append(error)
        return errors

    outcomes: list[str | None] = []
    if by_partner:
        with ThreadPoolExecutor(max_workers=min(PARALLEL, len(by_partner))) as pool:
            for errors in pool.map(serve_partner, by_partner.values()):
                outcomes.extend(errors)
    sent = sum(error is None for error in outcomes)
    return {"delivered": sent, "failed_attempts": len(outcomes) - sent}


def _send(
    destinations: Destinations, deadline: float, url: str, secret: str, body: bytes
) -> str | None:
    """POST one notification; None when it arrived, else why not (never raises)."""
    delivery = WebhookPost(destinations, deadline)
    timer = threading.Timer(deadline, delivery.cut_off)
    timer.start()
    try:
        status = delivery.post(
            url,
            body,
            {
                "Content-Type": "application/json",
                "User-Agent": "partnerfleet-webhooks/1",
                "PartnerFleet-Signature": sign(secret, int(time.time()), body),
            },
        )
        if delivery.cut:  # a half answer, ended by the deadline, is no answer
            return f"no answer within {deadline:g} s"
        return None if 200 <= status < 300 else f"HTTP {status}"
    except DestinationRefused as refused:
        return f"refused: {refused}"
    except Exception as problem:  # any failure of this one delivery is this row's failure
        if delivery.cut:
            return f"no answer within {deadline:g} s"
        return type(problem).__name__
    finally:
        timer.cancel()


def _record(settings: Settings, note_id: str, error: str | None) -> None:
    def work(session: Session) -> None:
        note = repository.get(session, note_id)
        if note is None:
            return
        if error is None:
            note.delivery, note.last_error = DeliveryState.DELIVERED, None
        else:
            note.last_error = error[:300]
            if note.attempts >= MAX_ATTEMPTS:
                note.delivery = DeliveryState.FAILED

    run_in_transaction(work, settings)
