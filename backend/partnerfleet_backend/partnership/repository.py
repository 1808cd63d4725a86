"""Every query of access requests and of the orgs' invitations of partners."""

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from partnerfleet_backend.models import (
    AccessRequest,
    Partner,
    PartnerInvitation,
    PartnerStatus,
    RequestStatus,
)


def get(session: Session, request_id: str) -> AccessRequest | None:
    return session.get(AccessRequest, request_id)


def of_customer(session: Session, customer_id: str) -> list[AccessRequest]:
    """The org's requests, newest first (a few: one pending at a time)."""
    return list(
        session.scalars(
            select(AccessRequest)
            .where(AccessRequest.customer_id == customer_id)
            .order_by(AccessRequest.id.desc())
            .limit(50)
        )
    )


def pending_of(session: Session, customer_id: str) -> AccessRequest | None:
    return session.scalar(
        select(AccessRequest).where(
            AccessRequest.customer_id == customer_id,
            AccessRequest.status == RequestStatus.PENDING,
        )
    )


def settle(
    session: Session,
    request_id: str,
    to: RequestStatus,
    at: datetime,
    *,
    table: type[AccessRequest | PartnerInvitation] = AccessRequest,
    **granted: Any,
) -> bool:
    """Move a pending request (or invitation) to `to`, once: of two answers at once (or an
    answer and a withdrawal) one finds it pending, the other finds it settled."""
    moved = session.execute(
        update(table)
        .where(table.id == request_id, table.status == RequestStatus.PENDING)
        .values(status=to, decided_at=at, **granted)
        .returning(table.id)
        .execution_options(synchronize_session=False)
    ).first()
    return moved is not None


def withdraw_pending(session: Session, customer_id: str, at: datetime) -> None:
    """A partnership ended: the partner's pending request for the org ends with it."""
    session.execute(
        update(AccessRequest)
        .where(
            AccessRequest.customer_id == customer_id,
            AccessRequest.status == RequestStatus.PENDING,
        )
        .values(status=RequestStatus.WITHDRAWN, decided_at=at)
        .execution_options(synchronize_session=False)
    )


def invitation(session: Session, invitation_id: str) -> PartnerInvitation | None:
    return session.get(PartnerInvitation, invitation_id)


def pending_invitation_of(session: Session, customer_id: str) -> PartnerInvitation | None:
    return session.scalar(
        select(PartnerInvitation).where(
            PartnerInvitation.customer_id == customer_id,
            PartnerInvitation.status == RequestStatus.PENDING,
        )
    )


def invitations_to(session: Session, partner_id: str) -> list[PartnerInvitation]:
    """The invitations waiting for this partner's answer, oldest first (at most 200)."""
    return list(
        session.scalars(
            select(PartnerInvitation)
            .where(
                PartnerInvitation.partner_id == partner_id,
                PartnerInvitation.status == RequestStatus.PENDING,
            )
            .order_by(PartnerInvitation.created_at, PartnerInvitation.id)
            .limit(200)
        )
    )


def partner_named(session: Session, name_or_email: str) -> Partner | None:
    """The active partner whose name or billing email is this (case-insensitive, exact: no
    list of partners to browse)."""
    wanted = name_or_email.strip().lower()
    return session.scalars(
        select(Partner)
        .where(
            Partner.status == PartnerStatus.ACTIVE,
            or_(func.lower(Partner.name) == wanted, func.lower(Partner.billing_email) == wanted),
        )
        .order_by(Partner.id)
        .limit(1)
    ).first()
