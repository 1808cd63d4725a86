"""Partner accounts and their profile."""

import secrets
from typing import Any

from partnerfleet_backend.accounts import people
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.keys import service as keys
from partnerfleet_backend.kit.errors import NotFound, ValidationFailed
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.kit.timeutil import period_of
from partnerfleet_backend.level.service import LEVELS
from partnerfleet_backend.models import Partner, PartnerLogo, PartnerStatus
from partnerfleet_backend.notification import service as notifications
from partnerfleet_backend.partner import repository
from partnerfleet_backend.partner.logo import BadLogo, clean_logo
from partnerfleet_backend.partner.schemas import MeUpdate, PartnerCreate, PartnerRead, PartnerUpdate
from partnerfleet_backend.support.service import support_level
from partnerfleet_backend.wallet import service as wallet


def get(ctx: Ctx, partner_id: str) -> Partner:
    """A partner account; a closed one is not found."""
    partner = repository.get(ctx.session, partner_id)
    if partner is None or partner.status == PartnerStatus.CLOSED:
        raise NotFound(f"partner {partner_id} not found")
    return partner


def view(ctx: Ctx, partner: Partner, *, new_secret: str | None = None) -> PartnerRead:
    """The account; the webhook signing secret only in the answer that made it
    (`new_secret`)."""
    return PartnerRead(
        id=partner.id,
        name=partner.name,
        status=partner.status,
        level=partner.level,
        support_level=support_level(ctx, partner).support_level,
        benefits=LEVELS[partner.level].benefits(),
        billing_email=partner.billing_email,
        support_contact=partner.support_contact,
        manager=partner.manager if LEVELS[partner.level].personal_manager else None,
        logo_url=partner.logo_url,
        webhook_url=partner.webhook_url,
        webhook_secret=new_secret,
        balance_cents=wallet.balance(ctx, partner.id),
        created_at=partner.created_at,
        version=partner.version,
    )


def create(ctx: Ctx, body: PartnerCreate) -> Partner:
    partner = Partner(
        id=new_id("ptn"),
        name=body.name,
        billing_email=body.billing_email,
        level=body.level,
        level_period=period_of(ctx.now),
        status=PartnerStatus.ACTIVE,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(partner)
    ctx.session.flush()
    wallet.open_wallet(ctx, partner.id)
    ctx.audit(
        "partner.created",
        "partner",
        partner.id,
        partner_id=partner.id,
        before=None,
        after=ctx.snapshot(partner),
    )
    return partner


def list_partners(ctx: Ctx, limit: int, cursor: str | None) -> tuple[list[Partner], str | None]:
    return repository.open_partners_page(ctx.session, limit, cursor)


def _apply(ctx: Ctx, partner: Partner, changes: dict[str, object], action: str) -> Partner:
    ctx.check_version(partner.version)
    before = ctx.snapshot(partner)
    for field, value in changes.items():
        setattr(partner, field, value)
    partner.updated_at = ctx.now
    ctx.session.flush()
    ctx.audit(
        action,
        "partner",
        partner.id,
        partner_id=partner.id,
        before=before,
        after=ctx.snapshot(partner),
    )
    return partner


def update(ctx: Ctx, partner_id: str, body: PartnerUpdate) -> Partner:
    changes: dict[str, object] = body.model_dump(exclude_unset=True, mode="json")
    if "level" in changes:  # set by hand: holds until the next monthly recomputation
        changes["level_period"] = period_of(ctx.now)
    return _apply(ctx, get(ctx, partner_id), changes, "partner.updated")


def update_me(ctx: Ctx, partner_id: str, body: MeUpdate) -> PartnerRead:
    """Change the own profile; the first webhook URL comes with its signing secret, shown in
    this answer only."""
    changes = body.model_dump(exclude_unset=True, mode="json")
    if changes.get("webhook_url"):
        notifications.check_webhook_url(ctx.settings, changes["webhook_url"])
    partner = get(ctx, partner_id)
    new_secret = None
    if changes.get("webhook_url") and not partner.webhook_secret:
        new_secret = changes["webhook_secret"] = _new_webhook_secret()
    partner = _apply(ctx, partner, changes, "partner.profile_updated")
    return view(ctx, partner, new_secret=new_secret)


def rotate_webhook_secret(ctx: Ctx, partner_id: str) -> PartnerRead:
    """A new signing secret, shown in this answer only; the old one signs nothing from now."""
    partner = get(ctx, partner_id)
    if not partner.webhook_url:
        raise ValidationFailed("set a webhook_url first", field="webhook_url")
    secret = _new_webhook_secret()
    partner = _apply(ctx, partner, {"webhook_secret": secret}, "partner.webhook_secret_rotated")
    return view(ctx, partner, new_secret=secret)


def replayed_rotation(ctx: Ctx, partner_id: str, stored: dict[str, Any]) -> dict[str, Any]:
    """The answer to a retried rotation: its secret again while it is the partner's secret
    (nothing changed the account since: the same version), never one a later change made."""
    partner = get(ctx, partner_id)
    same = partner.version == stored.get("version")
    view_ = view(ctx, partner, new_secret=partner.webhook_secret if same else None)
    return view_.model_dump(mode="json")


def _new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def set_logo(ctx: Ctx, partner_id: str, data: bytes) -> PartnerLogo:
    """Store the partner's logo: a PNG or JPEG image of at most 60 KiB and 4 million pixels,
    decoded and stored as encoded again (`logo.clean_logo`)."""
    get(ctx, partner_id)
    try:
        data, kind = clean_logo(data)
    except BadLogo as refused:
        raise ValidationFailed(str(refused), field="logo") from None
    row = repository.logo(ctx.session, partner_id)
    if row is None:
        row = PartnerLogo(partner_id=partner_id, content_type=kind, data=data, updated_at=ctx.now)
        ctx.session.add(row)
    else:
        row.content_type, row.data, row.updated_at = kind, data, ctx.now
    ctx.audit(
        "partner.logo_set",
        "partner",
        partner_id,
        partner_id=partner_id,
        before=None,
        after={"content_type": kind, "bytes": len(data)},
    )
    return row


def logo(ctx: Ctx, partner_id: str) -> PartnerLogo | None:
    return repository.logo(ctx.session, partner_id)


def close(ctx: Ctx, partner_id: str) -> Partner:
    """Close the account: keys revoked, its people disabled and signed out; its data kept for
    the ledger and the audit."""
    partner = _apply(ctx, get(ctx, partner_id), {"status": PartnerStatus.CLOSED}, "partner.closed")
    keys.revoke_all(ctx.session, partner_id, ctx.now)
    people.close_partner_people(ctx, partner_id)
    return partner
