"""Partner accounts and their profile."""

import secrets

from partnerfleet_backend.audit.service import snapshot
from partnerfleet_backend.keys import service as keys
from partnerfleet_backend.kit.errors import NotFound
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.kit.timeutil import period_of
from partnerfleet_backend.level.service import LEVELS
from partnerfleet_backend.models import Partner, PartnerStatus
from partnerfleet_backend.partner import repository
from partnerfleet_backend.partner.schemas import MeUpdate, PartnerCreate, PartnerRead, PartnerUpdate
from partnerfleet_backend.pipeline.context import Ctx
from partnerfleet_backend.support.service import support_level
from partnerfleet_backend.wallet import service as wallet


def get(ctx: Ctx, partner_id: str) -> Partner:
    """A partner account; a closed one is not found."""
    partner = repository.get(ctx.session, partner_id)
    if partner is None or partner.status == PartnerStatus.CLOSED:
        raise NotFound(f"partner {partner_id} not found")
    return partner


def view(ctx: Ctx, partner: Partner) -> PartnerRead:
    """The account as the caller may see it: the webhook signing secret only for a key that
    may change the account (a read key, as CI's, never sees it)."""
    return PartnerRead(
        id=partner.id,
        name=partner.name,
        status=partner.status,
        level=partner.level,
        support_level=support_level(ctx, partner).support_level,
        benefits=LEVELS[partner.level].benefits(),
        billing_email=partner.billing_email,
        support_contact=partner.support_contact,
        logo_url=partner.logo_url,
        webhook_url=partner.webhook_url,
        webhook_secret=partner.webhook_secret if _may_see_secrets(ctx) else None,
        balance_cents=wallet.balance(ctx, partner.id),
        created_at=partner.created_at,
        version=partner.version,
    )


def _may_see_secrets(ctx: Ctx) -> bool:
    return ctx.actor is None or ctx.actor.scope in ("write", "operator")


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
        after=snapshot(partner),
    )
    return partner


def list_partners(ctx: Ctx, limit: int, cursor: str | None) -> tuple[list[Partner], str | None]:
    return repository.open_partners_page(ctx.session, limit, cursor)


def _apply(ctx: Ctx, partner: Partner, changes: dict[str, object], action: str) -> Partner:
    ctx.check_version(partner.version)
    before = snapshot(partner)
    for field, value in changes.items():
        setattr(partner, field, value)
    partner.updated_at = ctx.now
    ctx.session.flush()
    ctx.audit(
        action, "partner", partner.id, partner_id=partner.id, before=before, after=snapshot(partner)
    )
    return partner


def update(ctx: Ctx, partner_id: str, body: PartnerUpdate) -> Partner:
    changes: dict[str, object] = body.model_dump(exclude_unset=True)
    if "level" in changes:  # set by hand: holds until the next monthly recomputation
        changes["level_period"] = period_of(ctx.now)
    return _apply(ctx, get(ctx, partner_id), changes, "partner.updated")


def update_me(ctx: Ctx, partner_id: str, body: MeUpdate) -> Partner:
    changes = body.model_dump(exclude_unset=True, mode="json")
    partner = get(ctx, partner_id)
    if changes.get("webhook_url") and not partner.webhook_secret:
        changes["webhook_secret"] = "whsec_" + secrets.token_urlsafe(32)
    return _apply(ctx, partner, changes, "partner.profile_updated")


def close(ctx: Ctx, partner_id: str) -> Partner:
    """Close the account: keys revoked; its data kept for the ledger and the audit."""
    partner = _apply(ctx, get(ctx, partner_id), {"status": PartnerStatus.CLOSED}, "partner.closed")
    keys.revoke_all(ctx.session, partner_id, ctx.now)
    return partner
