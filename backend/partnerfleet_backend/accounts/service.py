"""People who sign in: passwords (argon2), sessions (a random token in a cookie, its hash in
the database), sign-in throttled per client address, invitations and password resets (links
that go to the mailbox only). Times here are wall-clock times, not the business clock.

Customer users belong to one customer org and carry its partner's id too (for the
partner's user list); a partner user's `customer_id` is empty.

No account is ever locked by failed attempts (a stranger could lock anyone out, and a
different answer would tell who has an account): unknown and known emails get the same
answer after the same work, and what slows guessing is the limit per client address, shared
by every worker, and the bound on password checks running at once.
"""

import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from partnerfleet_backend.accounts import repository
from partnerfleet_backend.accounts.sessions import Signed, digest, sign_out, start_session
from partnerfleet_backend.audit.service import own_account_event
from partnerfleet_backend.db.engines import run_in_transaction
from partnerfleet_backend.kit.errors import (
    Conflict,
    Forbidden,
    RateLimited,
    ServiceError,
    ServiceUnavailable,
    ValidationFailed,
)
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.kit.ratelimit import take_shared
from partnerfleet_backend.kit.schemas import unseen, valid_email
from partnerfleet_backend.kit.slots import Slots
from partnerfleet_backend.models import (
    ROLES,
    Invitation,
    TokenPurpose,
    User,
    UserKind,
)
from partnerfleet_backend.operations.clock import utcnow
from partnerfleet_backend.settings import Settings

MIN_PASSWORD = 12
INVITATION_VALID = timedelta(days=7)
RESET_VALID = timedelta(hours=24)
INVITATIONS_PER_DAY = 50  # per partner


def _busy() -> ServiceUnavailable:
    refused = ServiceUnavailable("too many sign-ins at once; try again in a few seconds")
    refused.headers["Retry-After"] = "5"
    return refused


# Password checks at once in a worker: each takes a core for about 50 ms, and a flood of
# sign-ins must not take the cores every other request needs.
verifying = Slots(1, _busy)

_hasher = PasswordHasher()
# Verified against when the email is unknown, so the answer takes as long either way.
_DUMMY = _hasher.hash("not a password of anyone")


class SignInFailed(ServiceError):
    status = 401
    code = "sign_in_failed"
    title = "Sign-in failed"


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(
            f"the password needs at least {MIN_PASSWORD} characters", field="password"
        )
    if len(password) > 1000:
        raise ValidationFailed("the password is too long", field="password")


def check_email(email: str) -> str:
    """One valid mailbox, normalised (lower case throughout, as every account is kept)."""
    try:
        return valid_email(email.strip()).lower()
    except ValueError as error:
        raise ValidationFailed(str(error), field="email") from None


def check_name(name: str) -> str:
    """A name people read: at most 200 characters, no control characters or direction
    overrides."""
    name = name.strip()
    if len(name) > 200 or any(unseen(c) for c in name):
        raise ValidationFailed(
            "the name must be at most 200 characters, without control characters (line "
            "breaks, escapes) or direction overrides",
            field="name",
        )
    return name


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
    email = check_email(email)
    name = check_name(name)
    check_password(password)
    check_role(kind, role, partner_id, customer_id)
    if repository.user_by_email(session, email) is not None:
        raise Conflict("an account with this email exists already: sign in with it", field="email")
    user = User(
        id=new_id("usr"),
        email=email,
        name=name or email,
        password_hash=hash_password(password),
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


def hash_password(password: str) -> str:
    with verifying.taken(wait=10):
        return _hasher.hash(password)


def sign_in_with(
    settings: Settings,
    email: str,
    password: str,
    address: str,
    request_id: str | None = None,
    agent: str | None = None,
) -> "Signed | ServiceError":
    """Sign in and start a session: the same answer, after the same work, whether the email
    is unknown, disabled or has another password (the refusal is returned, not raised, so
    that what is counted is kept). At most `settings.sign_ins_per_minute` attempts a minute
    from one client address."""

    def throttle(session: Session) -> tuple[bool, int]:
        return take_shared(session, f"signin:{address}", settings.sign_ins_per_minute)

    allowed, retry_after = run_in_transaction(throttle, settings)
    if not allowed:
        refused = RateLimited(
            f"too many sign-in attempts from your address; wait {retry_after} seconds"
        )
        refused.headers["Retry-After"] = str(retry_after)
        return refused
    email = email.strip().lower()
    known = run_in_transaction(lambda s: repository.user_by_email(s, email), settings, write=False)
    usable = known is not None and known.disabled_at is None
    with verifying.taken(wait=10):
        right = matches(known.password_hash if known is not None and usable else None, password)

    def work(session: Session) -> Signed | ServiceError:
        user = repository.user_by_email_locked(session, email) if usable else None
        if user is None or not right or user.disabled_at is not None:
            if user is not None:
                user.failed_logins += 1
                own_account_event(
                    session, user, "user.sign_in_failed", request_id, {"address": address}
                )
            return SignInFailed("the email or the password is wrong")
        user.failed_logins = 0
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        own_account_event(session, user, "user.signed_in", request_id, {"address": address})
        return start_session(session, user, address=address, agent=agent)

    return run_in_transaction(work, settings)


def accept_with(settings: Settings, token: str, name: str, password: str) -> "Signed":
    """Accept an invitation (or a password reset) and start the person's session."""
    return run_in_transaction(
        lambda s: start_session(s, accept(s, token, name, password)), settings
    )


def end_session(settings: Settings, token: str) -> None:
    run_in_transaction(lambda s: sign_out(s, token), settings)


def invitation_of(settings: Settings, token: str) -> Invitation:
    return run_in_transaction(lambda s: pending_invitation(s, token), settings, write=False)


def matches(stored: str | None, password: str) -> bool:
    """Whether `password` is the one `stored` hashes (None, nobody's: a dummy hash is checked
    all the same, so an unknown person costs the same time)."""
    try:
        return _hasher.verify(stored or _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return False


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
    """An invitation (the plain token goes into the mailed link, once) by a user who may
    invite: an operator anyone, a partner admin its partner's users and its customers' users.
    Whether the address has an account already is not said here (that would tell any admin
    who has one): it is decided when the link is used. At most `INVITATIONS_PER_DAY` per
    partner."""
    check_role(kind, role, partner_id, customer_id)
    if by.kind == UserKind.PARTNER and (by.role != "admin" or partner_id != by.partner_id):
        raise Forbidden("only a partner's admins invite its users")
    if by.kind == UserKind.CUSTOMER:
        raise Forbidden("customer users are invited by their partner")
    email = check_email(email)
    now = utcnow()
    if partner_id is not None:
        made = repository.invitations_since(session, partner_id, now - timedelta(days=1))
        if made >= INVITATIONS_PER_DAY:
            raise RateLimited(
                f"at most {INVITATIONS_PER_DAY} invitations a day; try again tomorrow"
            )
    return _link(session, TokenPurpose.JOIN, email, kind, role, partner_id, customer_id, by.id)


def _link(
    session: Session,
    purpose: TokenPurpose,
    email: str,
    kind: str,
    role: str,
    partner_id: str | None,
    customer_id: str | None,
    by: str,
    user_id: str | None = None,
) -> tuple[Invitation, str]:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    valid = INVITATION_VALID if purpose == TokenPurpose.JOIN else RESET_VALID
    row = Invitation(
        id=digest(token),
        purpose=purpose,
        user_id=user_id,
        email=email,
        kind=kind,
        role=role,
        partner_id=partner_id,
        customer_id=customer_id,
        invited_by=by,
        created_at=now,
        expires_at=now + valid,
    )
    session.add(row)
    return row, token


def reset_link(session: Session, user: User, by: str) -> str:
    """A link that lets `user` set a new password (24 hours, once); its token."""
    _, token = _link(
        session,
        TokenPurpose.RESET,
        user.email,
        user.kind,
        user.role,
        user.partner_id,
        user.customer_id,
        by,
        user_id=user.id,
    )
    return token


def pending_invitation(session: Session, token: str) -> Invitation:
    row = repository.invitation(session, digest(token))
    if row is None or row.accepted_at is not None or row.expires_at <= utcnow():
        raise ValidationFailed("this link is not valid (used or expired)", field="token")
    return row


def accept(session: Session, token: str, name: str, password: str) -> User:
    """The person sets a password: an invited user exists from now on, a reset user has a
    new password and every other session of theirs ends (once per link). An invitation for
    an address that has an account by now is refused here, and the link stays unused."""
    row = pending_invitation(session, token)
    if row.purpose == TokenPurpose.RESET:
        user = repository.get_user(session, row.user_id or "")
        if user is None or user.disabled_at is not None:
            raise ValidationFailed("this link is not valid (used or expired)", field="token")
        check_password(password)
        user.password_hash = hash_password(password)
        repository.end_sessions_of(session, user.id)
    else:
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
