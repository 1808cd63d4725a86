"""Queries of API keys."""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from partnerfleet_backend.models import ApiKey, Partner


def by_hash_with_partner_status(
    session: Session, digest: bytes
) -> tuple[ApiKey, str | None] | None:
    """The key with this hash, and its partner's status (None for an operator key)."""
    row = session.execute(
        select(ApiKey, Partner.status)
        .outerjoin(Partner, Partner.id == ApiKey.partner_id)
        .where(ApiKey.key_hash == digest)
    ).first()
    return None if row is None else (row[0], row[1])


def get(session: Session, key_id: str) -> ApiKey | None:
    return session.get(ApiKey, key_id)


def of_partner(session: Session, partner_id: str) -> list[ApiKey]:
    """A partner's keys, oldest first (revoked ones too)."""
    return list(
        session.scalars(select(ApiKey).where(ApiKey.partner_id == partner_id).order_by(ApiKey.id))
    )


def revoke_all(session: Session, partner_id: str, now: datetime) -> None:
    """Revoke every key of a partner that is not revoked yet."""
    session.execute(
        update(ApiKey)
        .where(ApiKey.partner_id == partner_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
    )
