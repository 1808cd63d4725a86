"""Queries of users, sessions and invitations."""

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from partnerfleet_backend.models import Invitation, User, WebSession


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def user_by_email_locked(session: Session, email: str) -> User | None:
    """The user, locked for the sign-in attempt (its failure count)."""
    return session.scalar(select(User).where(User.email == email).with_for_update())


def get_user(session: Session, user_id: str) -> User | None:
    return session.get(User, user_id)


def session_with_user(session: Session, digest: str) -> tuple[WebSession, User] | None:
    row = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.id == digest)
    ).first()
    return None if row is None else (row[0], row[1])


def end_session(session: Session, digest: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id == digest))


def end_sessions_of(session: Session, user_id: str) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def drop_expired_sessions(session: Session, now: datetime) -> int:
    result = session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)


def invitation(session: Session, digest: str) -> Invitation | None:
    return session.scalar(select(Invitation).where(Invitation.id == digest).with_for_update())


def users_of_partner(session: Session, partner_id: str) -> list[User]:
    """The partner's users and its customers' users."""
    return list(
        session.scalars(select(User).where(User.partner_id == partner_id).order_by(User.email))
    )


def users_of_customer(session: Session, customer_id: str) -> list[User]:
    return list(
        session.scalars(select(User).where(User.customer_id == customer_id).order_by(User.email))
    )


def invitations_since(session: Session, partner_id: str, since: datetime) -> int:
    """How many invitations of the partner's were made since `since`."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Invitation)
            .where(Invitation.partner_id == partner_id, Invitation.created_at >= since)
        )
        or 0
    )


def users_of_partner_locked(session: Session, partner_id: str) -> list[User]:
    """The partner's own people (not its customers'), locked."""
    return list(
        session.scalars(
            select(User)
            .where(User.partner_id == partner_id, User.customer_id.is_(None))
            .order_by(User.id)
            .with_for_update()
        )
    )


def session_counts(session: Session, user_ids: list[str], now: datetime) -> dict[str, int]:
    """Open sessions per user."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(WebSession.user_id, func.count())
        .where(WebSession.user_id.in_(user_ids), WebSession.expires_at > now)
        .group_by(WebSession.user_id)
    )
    return {str(uid): int(n) for uid, n in rows}


def user_locked(session: Session, user_id: str) -> User | None:
    return session.get(User, user_id, with_for_update=True)
