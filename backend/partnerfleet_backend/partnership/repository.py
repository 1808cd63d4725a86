"""Every query of access requests."""

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from partnerfleet_backend.models import AccessRequest, RequestStatus


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
    session: Session, request_id: str, to: RequestStatus, at: datetime, **granted: Any
) -> bool:
    """Move a pending request to `to`, once: of two answers at once (or an answer and a
    withdrawal) one finds it pending, the other finds it settled."""
    moved = session.execute(
        update(AccessRequest)
        .where(AccessRequest.id == request_id, AccessRequest.status == RequestStatus.PENDING)
        .values(status=to, decided_at=at, **granted)
        .returning(AccessRequest.id)
        .execution_options(synchronize_session=False)
    ).first()
    return moved is not None
