"""Every query of notifications and their webhook delivery."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from partnerfleet_backend.db.bulk import chunks
from partnerfleet_backend.kit.schemas import page_rows
from partnerfleet_backend.models import Delivery, Notification, Partner


def dedupe_keys_present(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of `keys` a stored notification already has."""
    present: set[str] = set()
    for chunk in chunks(keys):
        present.update(
            str(k)
            for k in session.scalars(
                select(Notification.dedupe_key).where(Notification.dedupe_key.in_(chunk))
            )
        )
    return present


def notifications_page(
    session: Session, partner_id: str, limit: int, cursor: str | None
) -> tuple[list[Notification], str | None]:
    return page_rows(
        session,
        select(Notification).where(Notification.partner_id == partner_id),
        Notification.id,
        limit,
        cursor,
    )


def settle_without_webhook(session: Session) -> None:
    """Pending notifications of partners without a webhook: nothing to deliver."""
    no_webhook = select(Partner.id).where(Partner.webhook_url.is_(None))
    session.execute(
        update(Notification)
        .where(Notification.delivery == Delivery.PENDING, Notification.partner_id.in_(no_webhook))
        .values(delivery=Delivery.NONE)
    )


def claim_due(
    session: Session, now: datetime, limit: int
) -> list[tuple[Notification, str, str | None]]:
    """Due deliveries with their partner's webhook URL and secret, locked (skipping rows
    another deliverer holds)."""
    rows = session.execute(
        select(Notification, Partner.webhook_url, Partner.webhook_secret)
        .join(Partner, Partner.id == Notification.partner_id)
        .where(
            Notification.delivery == Delivery.PENDING,
            Partner.webhook_url.is_not(None),
            (Notification.next_attempt_at.is_(None)) | (Notification.next_attempt_at <= now),
        )
        .order_by(Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    return [(note, str(url), secret) for note, url, secret in rows]


def get(session: Session, notification_id: str) -> Notification | None:
    return session.get(Notification, notification_id)
