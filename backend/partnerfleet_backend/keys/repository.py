"""Queries of API keys."""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from partnerfleet_backend.models import ApiKey


def by_hash(session: Session, digest: bytes) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))


def get(session: Session, key_id: str) -> ApiKey | None:
    return session.get(ApiKey, key_id)


def revoke_all(session: Session, partner_id: str, now: datetime) -> None:
    """Revoke every key of a partner that is not revoked yet."""
    session.execute(
        update(ApiKey)
        .where(ApiKey.partner_id == partner_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
    )
