"""People who sign in to the portal: the vendor's operators, partner users and customer
users; their sessions and invitations. Machines keep using API keys."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from partnerfleet_backend.models.base import Base


class UserKind(StrEnum):
    OPERATOR = "operator"
    PARTNER = "partner"
    CUSTOMER = "customer"


class UserRole(StrEnum):
    ADMIN = "admin"  # partner: everything; customer: the org's settings, never billing
    BILLING = "billing"  # partner: reads everything, exports, the billing email
    READ_ONLY = "read_only"  # partner: reads everything, changes nothing
    GUEST = "guest"  # customer: reads the org's page


# Which roles each kind of user may have.
ROLES: dict[str, frozenset[str]] = {
    UserKind.OPERATOR: frozenset({UserRole.ADMIN}),
    UserKind.PARTNER: frozenset({UserRole.ADMIN, UserRole.BILLING, UserRole.READ_ONLY}),
    UserKind.CUSTOMER: frozenset({UserRole.ADMIN, UserRole.GUEST}),
}


class User(Base):
    __tablename__ = "users"
    __table_args__ = (Index("ix_users_partner_id", "partner_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # lower case
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200), info={"secret": True})
    kind: Mapped[str] = mapped_column(String(10))
    role: Mapped[str] = mapped_column(String(10))
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partners.id"))
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    disabled_at: Mapped[datetime | None] = mapped_column()
    # The second factor (TOTP, RFC 6238): the shared secret, sealed with the server's key
    # (kit/sealed.py; set up, then confirmed with a code: `totp_enabled_at`), and the last time
    # step a code was accepted for (never twice).
    totp_secret: Mapped[str | None] = mapped_column(String(128), info={"secret": True})
    totp_enabled_at: Mapped[datetime | None] = mapped_column()
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)


class SessionStage(StrEnum):
    """How far a browser's sign-in went."""

    FULL = "full"  # signed in
    CODE = "code"  # the password was right; the second factor's code is asked next
    ENROL = "enrol"  # signed in only to set up the second factor its account must have


class RecoveryCode(Base):
    """A one-time code that stands in for the second factor (a lost phone): only its hash."""

    __tablename__ = "recovery_codes"
    __table_args__ = (Index("ix_recovery_codes_user_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the code
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class WebSession(Base):
    """A signed-in browser: the cookie holds a random token, this row only its hash."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_user_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    csrf_token: Mapped[str] = mapped_column(String(64), info={"secret": True})
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    last_seen_at: Mapped[datetime] = mapped_column()
    # what the person sees in the list of its sessions (and revokes by `public_id`)
    public_id: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str | None] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(10), default="full")
    code_failures: Mapped[int] = mapped_column(default=0)


class TokenPurpose(StrEnum):
    JOIN = "join"  # an invitation: the person sets a password and the user exists from then
    RESET = "reset"  # a password reset an admin or the operator started for `user_id`


class Invitation(Base):
    """A link that lets one person set a password (once): to join as a given user, or to
    reset the password of `user_id`."""

    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_partner_id_created_at", "partner_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    purpose: Mapped[str] = mapped_column(String(10), default=TokenPurpose.JOIN)
    user_id: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(10))
    role: Mapped[str] = mapped_column(String(10))
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partners.id"))
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    invited_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    accepted_at: Mapped[datetime | None] = mapped_column()
