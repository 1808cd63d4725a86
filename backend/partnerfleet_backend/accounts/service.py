"""People who sign in: passwords (argon2), sessions (a random token in a cookie, its hash in
the database), a lockout after repeated failures, invitations. Times here are wall-clock
times, not the business clock.

Customer users belong to one customer org and carry its partner's id too (for the
partner's user list); a partner user's `customer_id` is empty.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from partnerfleet_backend.accounts import repository
from partnerfleet_backend.database import run_in_transaction
from partnerfleet_backend.kit.errors import Conflict, Forbidden, ServiceError, ValidationFailed
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.models import ROLES, Invitation, User, UserKind, WebSession
from partnerfleet_backend.operations.clock import utcnow
from partnerfleet_backend.settings import Settings

MIN_PASSWORD = 12
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
SESSION_IDLE = timedelta(hours=8)
SESSION_MAX = timedelta(days=7)
INVITATION_VALID = timedelta(days=7)

_hasher = PasswordHasher()
# Verified against when the email is unknown, so the answer takes as long either way.
_DUMMY = _hasher.hash("not a password of anyone")


class SignInFailed(ServiceError):
    status = 401
    code = "sign_in_failed"
    title = "Sign-in failed"


class AccountLocked(ServiceError):
    status = 429
    code = "account_locked"
    title = "Too many attempts"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(
            f"the password needs at least {MIN_PASSWORD} characters", field="password"
        )
    if len(password) > 1000:
        raise ValidationFailed("the password is too long", field="password")


def check_role(kind: str, role: str, partner_id: str | None, customer_id: str | None) -> None:
    if role not in ROLES.get(kind, ()):
        raise ValidationFailed(f"a {kind} user cannot have the role {role}", field="role")
    if kind == UserKind.PARTNER and (partner_id is None or customer_id is not None):
        raise ValidationFailed("a partner user belongs to one partner", field="partner_id")
    if kind == UserKind.CUSTOMER and (partner_id is None or customer_id is None):
        raise ValidationFailed("a customer user belongs to one customer org", field="customer_id")
    if kind == UserKind.OPERATOR and (partner_id is not None or customer_id is not None):
        raise ValidationFailed("an operator belongs to no partner", field="partner_id")


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    kind: str,
    role: str,
    partner_id: str | None = None,
    customer_id: str | None = None,
) -> User:
    """A user who can sign in (409 when the email has one already)."""
    email = email.strip().lower()
    check_password(password)
    check_role(kind, role, partner_id, customer_id)
    if repository.user_by_email(session, email) is not None:
        raise Conflict("a user with this email exists", field="email")
    user = User(
        id=new_id("usr"),
        email=email,
        name=name.strip() or email,
        password_hash=_hasher.hash(password),
        kind=kind,
        role=role,
        partner_id=partner_id,
        customer_id=customer_id,
        failed_logins=0,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    return user


def sign_in(session: Session, email: str, password: str) -> User | ServiceError:
    """The user with these credentials, or the refusal to answer (returned, not raised: the
    failure count must be committed). After 5 failures in a row the account is locked for
    15 minutes; the answer never says whether the email exists."""
    now = utcnow()
    user = repository.user_by_email_locked(session, email.strip().lower())
    if user is None or user.disabled_at is not None:
        _verify(_DUMMY, password)
        return SignInFailed("the email or the password is wrong")
    if user.locked_until is not None and user.locked_until > now:
        minutes = int((user.locked_until - now).total_seconds() // 60) + 1
        return AccountLocked(f"too many failed attempts: try again in {minutes} minutes")
    if not _verify(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = now + LOCKOUT, 0
        return SignInFailed("the email or the password is wrong")
    user.failed_logins, user.locked_until = 0, None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def sign_in_with(settings: Settings, email: str, password: str) -> "Signed | ServiceError":
    """Sign in and start a session, in one transaction (a failure's count is kept)."""

    def work(session: Session) -> Signed | ServiceError:
        outcome = sign_in(session, email, password)
        return outcome if isinstance(outcome, ServiceError) else start_session(session, outcome)

    return run_in_transaction(work, settings)


def accept_with(settings: Settings, token: str, name: str, password: str) -> "Signed":
    """Accept an invitation and start the new user's session."""
    return run_in_transaction(
        lambda s: start_session(s, accept(s, token, name, password)), settings
    )


def end_session(settings: Settings, token: str) -> None:
    run_in_transaction(lambda s: sign_out(s, token), settings)


def invitation_of(settings: Settings, token: str) -> Invitation:
    return run_in_transaction(lambda s: pending_invitation(s, token), settings, write=False)


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Signed:
    """A new session: the token for the cookie (never stored) and the form token."""

    token: str
    csrf_token: str
    expires_at: datetime


def start_session(session: Session, user: User) -> Signed:
    now = utcnow()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + SESSION_MAX
    session.add(
        WebSession(
            id=digest(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=expires,
            last_seen_at=now,
        )
    )
    return Signed(token, csrf, expires)


def session_user(session: Session, token: str) -> tuple[WebSession, User] | None:
    """The signed-in user of a cookie token, or None (unknown, idle too long, expired,
    disabled)."""
    found = repository.session_with_user(session, digest(token))
    if found is None:
        return None
    web, user = found
    now = utcnow()
    if web.expires_at <= now or web.last_seen_at + SESSION_IDLE <= now or user.disabled_at:
        return None
    return web, user


def touch(session: Session, web: WebSession) -> None:
    """Keep an active session alive (at most once a minute)."""
    now = utcnow()
    if now - web.last_seen_at > timedelta(minutes=1):
        web.last_seen_at = now


def sign_out(session: Session, token: str) -> None:
    repository.end_session(session, digest(token))


def invite(
    session: Session,
    *,
    by: User,
    email: str,
    role: str,
    kind: str,
    partner_id: str | None,
    customer_id: str | None,
) -> tuple[Invitation, str]:
    """An invitation (the plain token goes into the link, once) by a user who may invite:
    an operator anyone, a partner admin its partner's users and its customers' users."""
    check_role(kind, role, partner_id, customer_id)
    if by.kind == UserKind.PARTNER and (by.role != "admin" or partner_id != by.partner_id):
        raise Forbidden("only a partner's admins invite its users")
    if by.kind == UserKind.CUSTOMER:
        raise Forbidden("customer users are invited by their partner")
    email = email.strip().lower()
    if repository.user_by_email(session, email) is not None:
        raise Conflict("a user with this email exists", field="email")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = Invitation(
        id=digest(token),
        email=email,
        kind=kind,
        role=role,
        partner_id=partner_id,
        customer_id=customer_id,
        invited_by=by.id,
        created_at=now,
        expires_at=now + INVITATION_VALID,
    )
    session.add(row)
    return row, token


def pending_invitation(session: Session, token: str) -> Invitation:
    row = repository.invitation(session, digest(token))
    if row is None or row.accepted_at is not None or row.expires_at <= utcnow():
        raise ValidationFailed("this invitation is not valid (used or expired)", field="token")
    return row


def accept(session: Session, token: str, name: str, password: str) -> User:
    """The invited person sets a password: the user exists from now on (once per link)."""
    row = pending_invitation(session, token)
    user = create_user(
        session,
        email=row.email,
        name=name,
        password=password,
        kind=row.kind,
        role=row.role,
        partner_id=row.partner_id,
        customer_id=row.customer_id,
    )
    row.accepted_at = utcnow()
    return user
