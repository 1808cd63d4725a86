"""What may be done to a person's account, by a partner's admin (its own people and its
customers' people) or by the operator (anyone): disable it (every session ends at once),
enable it again, change its role, reset its password (the old one stops working; a link to
set a new one goes to the person's mailbox), end its sessions. Each is audited. A partner
keeps at least one active admin, and nobody disables or demotes themselves here."""

from dataclasses import dataclass

from partnerfleet_backend.accounts import repository
from partnerfleet_backend.accounts.service import check_role, reset_link
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import Conflict, Forbidden, NotFound
from partnerfleet_backend.mail import service as mail
from partnerfleet_backend.models import SECRET_MARK, User, UserKind, UserRole
from partnerfleet_backend.operations.clock import utcnow

UNUSABLE = "!reset"  # no argon2 hash: no password matches it


@dataclass(frozen=True)
class Manager:
    """Who acts: an operator, or a partner's admin."""

    user_id: str
    kind: str
    role: str
    partner_id: str | None


def _target(ctx: Ctx, by: Manager, user_id: str) -> User:
    """The account `by` may manage (locked); anyone else's is not found."""
    user = repository.user_locked(ctx.session, user_id)
    allowed = user is not None and (
        by.kind == UserKind.OPERATOR
        or (
            by.kind == UserKind.PARTNER
            and by.role == UserRole.ADMIN
            and user.partner_id == by.partner_id
            and by.partner_id is not None
        )
    )
    if user is None or not allowed:
        raise NotFound(f"user {user_id} not found")
    if user.id == by.user_id:
        raise Forbidden("you cannot change your own account here; ask another admin")
    return user


def _keeps_an_admin(ctx: Ctx, user: User) -> None:
    """A partner's last active admin stays one (someone must manage its people)."""
    if user.kind != UserKind.PARTNER or user.role != UserRole.ADMIN or user.partner_id is None:
        return
    others = [
        u
        for u in repository.users_of_partner_locked(ctx.session, user.partner_id)
        if u.id != user.id and u.role == UserRole.ADMIN and u.disabled_at is None
    ]
    if not others:
        raise Conflict("this is the partner's last active admin; make another admin first")


def _audit(
    ctx: Ctx, user: User, action: str, before: dict[str, object], after: dict[str, object]
) -> None:
    ctx.audit(action, "user", user.id, partner_id=user.partner_id, before=before, after=after)


def disable(ctx: Ctx, by: Manager, user_id: str) -> User:
    """The person can no longer sign in; every session of theirs ends now."""
    user = _target(ctx, by, user_id)
    if user.disabled_at is None:
        _keeps_an_admin(ctx, user)
        user.disabled_at = utcnow()
        repository.end_sessions_of(ctx.session, user.id)
        _audit(ctx, user, "user.disabled", {"disabled": False}, {"disabled": True})
    return user


def enable(ctx: Ctx, by: Manager, user_id: str) -> User:
    user = _target(ctx, by, user_id)
    if user.disabled_at is not None:
        user.disabled_at = None
        _audit(ctx, user, "user.enabled", {"disabled": True}, {"disabled": False})
    return user


def change_role(ctx: Ctx, by: Manager, user_id: str, role: str) -> User:
    """A new role within the same partner or org (from the person's next page on)."""
    user = _target(ctx, by, user_id)
    check_role(user.kind, role, user.partner_id, user.customer_id)
    if role != user.role:
        if role != UserRole.ADMIN:
            _keeps_an_admin(ctx, user)
        before = user.role
        user.role = role
        _audit(ctx, user, "user.role_changed", {"role": before}, {"role": role})
    return user


def end_sessions(ctx: Ctx, by: Manager, user_id: str) -> User:
    """Every browser the person is signed in with is signed out."""
    user = _target(ctx, by, user_id)
    repository.end_sessions_of(ctx.session, user.id)
    _audit(ctx, user, "user.sessions_ended", {}, {})
    return user


def reset_password(ctx: Ctx, by: Manager, user_id: str) -> User:
    """The password stops working and every session ends; a link to set a new one (valid 24
    hours, once) is mailed to the person, and shown to nobody else."""
    user = _target(ctx, by, user_id)
    user.password_hash = UNUSABLE
    repository.end_sessions_of(ctx.session, user.id)
    token = reset_link(ctx.session, user, by.user_id)
    mail.queue(
        ctx,
        partner_id=user.partner_id,
        kind="password_reset",
        to=user.email,
        subject="Set a new password for partnerfleet",
        body="Hello,\n\nyour password for the partnerfleet portal was reset by an "
        "administrator. Set a new one here (valid 24 hours):\n\n"
        f"{SECRET_MARK}\n\nIf you did not expect this, tell your administrator.\n",
        secret=f"{ctx.settings.public_url.rstrip('/')}/portal/invitations/{token}",
    )
    _audit(ctx, user, "user.password_reset", {}, {"link_mailed_to": user.email})
    return user


def close_partner_people(ctx: Ctx, partner_id: str) -> int:
    """A closed partner's people can no longer sign in: disabled, their sessions ended."""
    closed = 0
    for user in repository.users_of_partner_locked(ctx.session, partner_id):
        repository.end_sessions_of(ctx.session, user.id)
        if user.disabled_at is None:
            user.disabled_at = utcnow()
            _audit(ctx, user, "user.disabled", {"disabled": False}, {"disabled": True})
            closed += 1
    return closed
