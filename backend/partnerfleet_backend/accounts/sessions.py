"""A signed-in browser: a random token in a cookie, its hash in the database; how far its
sign-in went (`SessionStage`: the second factor's code next, or setting it up); what the person
sees in the list of its sessions. Wall-clock times."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from partnerfleet_backend.accounts import repository, second_factor
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.models import SessionStage, User, WebSession
from partnerfleet_backend.operations.clock import utcnow

SESSION_IDLE = timedelta(hours=8)
SESSION_MAX = timedelta(days=7)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Signed:
    """A new session: the token for the cookie (never stored), the form token, and how far
    the sign-in went (the second factor's code next, or setting it up: `second_factor`)."""

    token: str
    csrf_token: str
    expires_at: datetime
    stage: str = SessionStage.FULL


def start_session(
    session: Session, user: User, *, address: str | None = None, agent: str | None = None
) -> Signed:
    now = utcnow()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + SESSION_MAX
    stage = second_factor.stage_after_password(session, user)
    session.add(
        WebSession(
            id=digest(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=expires,
            last_seen_at=now,
            public_id=new_id("ses"),
            address=address,
            agent=(agent or "")[:200] or None,
            stage=stage,
            code_failures=0,
        )
    )
    return Signed(token, csrf, expires, stage)


def session_user(session: Session, token: str) -> tuple[WebSession, User] | None:
    """The signed-in user of a cookie token, or None (unknown, idle too long, expired,
    disabled)."""
    found = session_and_stage(session, token)
    return None if found is None else (found[0], found[1])


def session_and_stage(session: Session, token: str) -> tuple[WebSession, User, str] | None:
    """`session_user` and how far the sign-in goes now: its stage, or (a second factor
    required since it began, by an admin's new policy) setting one up first. One query."""
    found = repository.session_with_user(session, digest(token))
    if found is None:
        return None
    web, user, partner_requires = found
    now = utcnow()
    if web.expires_at <= now or web.last_seen_at + SESSION_IDLE <= now or user.disabled_at:
        return None
    unset = web.stage == SessionStage.FULL and user.totp_enabled_at is None
    if unset and second_factor.must_have(user, partner_requires=partner_requires):
        return web, user, SessionStage.ENROL
    return web, user, web.stage


def touch(session: Session, web: WebSession) -> None:
    """Keep an active session alive (at most once a minute)."""
    now = utcnow()
    if now - web.last_seen_at > timedelta(minutes=1):
        web.last_seen_at = now


def sign_out(session: Session, token: str) -> None:
    repository.end_session(session, digest(token))


def signed_in_fully(web: WebSession) -> None:
    """The second factor passed or set up: the session is a whole sign-in from now."""
    web.stage = SessionStage.FULL
    web.code_failures = 0


def listed(session: Session, user_id: str, token: str) -> list[dict[str, object]]:
    """The person's open sessions for its own page (this browser's marked)."""
    mine = digest(token)
    return [
        {
            "public_id": web.public_id,
            "created_at": web.created_at,
            "last_seen_at": web.last_seen_at,
            "address": web.address or "-",
            "agent": web.agent or "-",
            "this": web.id == mine,
        }
        for web in repository.sessions_of(session, user_id, utcnow())
    ]


def revoke(session: Session, user_id: str, public_id: str) -> bool:
    """End one of the person's own sessions (another person's is not found)."""
    return repository.end_session_by_public_id(session, user_id, public_id)


def revoke_others(session: Session, user_id: str, token: str) -> None:
    """End every session of the person but this browser's."""
    repository.end_other_sessions(session, user_id, digest(token))
