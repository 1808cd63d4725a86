"""Queries of users, sessions and invitations."""

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from partnerfleet_backend.models import Invitation, Partner, RecoveryCode, User, WebSession


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def user_by_email_locked(session: Session, email: str) -> User | None:
    """The user, locked for the sign-in attempt (its failure count)."""
    return session.scalar(select(User).where(User.email == email).with_for_update())


def get_user(session: Session, user_id: str) -> User | None:
    return session.get(User, user_id)


def session_with_user(session: Session, digest: str) -> tuple[WebSession, User, bool] | None:
    """The session, its person, and whether the person's partner requires a second factor."""
    row = session.execute(
        select(WebSession, User, Partner.require_second_factor)
        .join(User, User.id == WebSession.user_id)
        .outerjoin(Partner, Partner.id == User.partner_id)
        .where(WebSession.id == digest)
    ).first()
    return None if row is None else (row[0], row[1], bool(row[2]))


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
    """The user, locked and read afresh (a code accepted by a request at the same moment)."""
    return session.get(User, user_id, with_for_update=True, populate_existing=True)


def requires_second_factor(session: Session, partner_id: str) -> bool:
    """Whether the partner's admin asks a second factor of all of its people."""
    return bool(
        session.scalar(select(Partner.require_second_factor).where(Partner.id == partner_id))
    )


def set_second_factor_policy(session: Session, partner_id: str, required: bool) -> None:
    session.execute(
        update(Partner).where(Partner.id == partner_id).values(require_second_factor=required)
    )


def add_recovery_codes(session: Session, codes: list[RecoveryCode]) -> None:
    session.add_all(codes)


def drop_recovery_codes(session: Session, user_id: str) -> None:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))


def use_recovery_code(session: Session, user_id: str, digest: str, now: datetime) -> bool:
    """Mark the user's unused code with this hash used, once (of two at once, one wins)."""
    used = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.id == digest,
            RecoveryCode.user_id == user_id,
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .returning(RecoveryCode.id)
        .execution_options(synchronize_session=False)
    ).first()
    return used is not None


def recovery_codes_left(session: Session, user_id: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def sessions_of(session: Session, user_id: str, now: datetime) -> list[WebSession]:
    """The user's sessions that have not expired, newest first."""
    return list(
        session.scalars(
            select(WebSession)
            .where(WebSession.user_id == user_id, WebSession.expires_at > now)
            .order_by(WebSession.last_seen_at.desc())
        )
    )


def end_session_by_public_id(session: Session, user_id: str, public_id: str) -> bool:
    ended = session.execute(
        delete(WebSession)
        .where(WebSession.user_id == user_id, WebSession.public_id == public_id)
        .returning(WebSession.id)
    ).first()
    return ended is not None


def end_other_sessions(session: Session, user_id: str, keep: str) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user_id, WebSession.id != keep))
