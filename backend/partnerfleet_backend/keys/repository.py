"""Queries of API keys."""

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session

from partnerfleet_backend.db.compiled import Prepared
from partnerfleet_backend.models import ApiKey, Customer, CustomerStatus, Partner


class KeyRow(NamedTuple):
    """What authentication needs of a key, and its partner's status (None for an operator)."""

    id: str
    key_hash: bytes
    kind: str
    scope: str
    partner_id: str | None
    revoked_at: datetime | None
    partner_status: str | None


def key_by_hash() -> Select[str, bytes, str, str, str | None, datetime | None, str]:
    """The key whose hash is the parameter `digest`, as a `KeyRow` (its partner's status
    joined): alone, and as a part of the statement that also counts the call."""
    return (
        select(
            ApiKey.id,
            ApiKey.key_hash,
            ApiKey.kind,
            ApiKey.scope,
            ApiKey.partner_id,
            ApiKey.revoked_at,
            Partner.status.label("partner_status"),
        )
        .outerjoin(Partner, Partner.id == ApiKey.partner_id)
        .where(ApiKey.key_hash == bindparam("digest"))
    )


_BY_HASH = Prepared(key_by_hash())


def by_hash_with_partner_status(session: Session, digest: bytes) -> KeyRow | None:
    """The key with this hash (one statement, compiled once: every request runs it)."""
    row = _BY_HASH.first(session, {"digest": digest})
    return None if row is None else KeyRow(*row)


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


def customer_ids_of(session: Session, key_id: str) -> list[str]:
    """The customers a team key names."""
    return session.scalar(select(ApiKey.customer_ids).where(ApiKey.id == key_id)) or []


def active_customers(session: Session, partner_id: str, customer_ids: list[str]) -> int:
    """How many of `customer_ids` are active customer orgs of this partner."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Customer)
            .where(
                Customer.partner_id == partner_id,
                Customer.id.in_(customer_ids),
                Customer.status == CustomerStatus.ACTIVE,
            )
        )
        or 0
    )
