"""Queries of the email outbox."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerfleet_backend.kit.schemas import page_rows
from partnerfleet_backend.kit.scope import EVERY, PartnerScope
from partnerfleet_backend.models import MailState, Notification, OutboxMail, Partner


def dedupe_keys_present(session: Session, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    return {
        str(k)
        for k in session.scalars(
            select(OutboxMail.dedupe_key).where(OutboxMail.dedupe_key.in_(list(keys)))
        )
    }


def recent_notifications(
    session: Session, kinds: Sequence[str], since: datetime, scope: PartnerScope = EVERY
) -> list[tuple[Notification, str, str | None]]:
    """Notifications of these kinds made since `since`, with the partner's name and billing
    email."""
    rows = session.execute(
        select(Notification, Partner.name, Partner.billing_email)
        .join(Partner, Partner.id == Notification.partner_id)
        .where(
            Notification.kind.in_(list(kinds)),
            Notification.created_at >= since,
            scope.where(Notification.partner_id),
        )
        .order_by(Notification.id)
    ).all()
    return [(note, str(name), email) for note, name, email in rows]


def claim_due(session: Session, now: datetime, limit: int) -> list[OutboxMail]:
    """Pending mail that is due, locked (skipping what another sender holds)."""
    return list(
        session.scalars(
            select(OutboxMail)
            .where(
                OutboxMail.state == MailState.PENDING,
                (OutboxMail.next_attempt_at.is_(None)) | (OutboxMail.next_attempt_at <= now),
            )
            .order_by(OutboxMail.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def get(session: Session, mail_id: str) -> OutboxMail | None:
    return session.get(OutboxMail, mail_id)


def outbox_page(
    session: Session, partner_id: str, limit: int, cursor: str | None
) -> tuple[list[OutboxMail], str | None]:
    return page_rows(
        session,
        select(OutboxMail).where(OutboxMail.partner_id == partner_id),
        OutboxMail.id,
        limit,
        cursor,
    )
