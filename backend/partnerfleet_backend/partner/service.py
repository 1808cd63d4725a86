"""Partner accounts, their keys and their profile."""

import secrets

from sqlalchemy import select

from partnerfleet_backend.audit import snapshot
from partnerfleet_backend.auth import issue_key
from partnerfleet_backend.context import Ctx
from partnerfleet_backend.kit.errors import NotFound
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.kit.schemas import page_rows
from partnerfleet_backend.kit.timeutil import period_of
from partnerfleet_backend.models import AddOn, ApiKey, Partner, Wallet
from partnerfleet_backend.partner.schemas import (
    ApiKeyCreated,
    MeUpdate,
    PartnerCreate,
    PartnerRead,
    PartnerUpdate,
)
from partnerfleet_backend.program import LEVELS


def get(ctx: Ctx, partner_id: str) -> Partner:
    partner = ctx.session.get(Partner, partner_id)
    if partner is None or partner.status == "closed":
        raise NotFound(f"partner {partner_id} not found")
    return partner


def has_active_option(ctx: Ctx, partner_id: str, option: str) -> bool:
    """Whether a bought add-on `option` is in its paid period now."""
    found = ctx.session.scalar(
        select(AddOn.id).where(
            AddOn.partner_id == partner_id,
            AddOn.option == option,
            AddOn.status == "active",
            AddOn.period_end > ctx.now,
        )
    )
    return found is not None


def support_level(ctx: Ctx, partner: Partner) -> tuple[str, str]:
    """(level, source): premium from the partner level or the premium-support option."""
    if LEVELS[partner.level].support == "premium":
        return "premium", "level"
    if has_active_option(ctx, partner.id, "premium-support"):
        return "premium", "option"
    return "basic", "level"


def view(ctx: Ctx, partner: Partner) -> PartnerRead:
    wallet = ctx.session.get(Wallet, partner.id)
    return PartnerRead(
        id=partner.id,
        name=partner.name,
        status=partner.status,
        level=partner.level,
        support_level=support_level(ctx, partner)[0],
        benefits=LEVELS[partner.level].benefits(),
        billing_email=partner.billing_email,
        support_contact=partner.support_contact,
        logo_url=partner.logo_url,
        webhook_url=partner.webhook_url,
        webhook_secret=partner.webhook_secret,
        balance_cents=wallet.balance_cents if wallet else 0,
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
        status="active",
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(partner)
    ctx.session.flush()
    ctx.session.add(Wallet(partner_id=partner.id, balance_cents=0, has_topped_up=False))
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
    return page_rows(
        ctx.session, select(Partner).where(Partner.status != "closed"), Partner.id, limit, cursor
    )


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
    partner = _apply(ctx, get(ctx, partner_id), {"status": "closed"}, "partner.closed")
    for key in ctx.session.scalars(select(ApiKey).where(ApiKey.partner_id == partner_id)):
        key.revoked_at = key.revoked_at or ctx.now
    return partner


def create_key(ctx: Ctx, partner_id: str, scope: str) -> ApiKeyCreated:
    get(ctx, partner_id)
    row, plain = issue_key(
        ctx.session,
        ctx.settings.resolved_secret_key(),
        kind="partner",
        scope=scope,
        partner_id=partner_id,
        now=ctx.now,
    )
    ctx.audit(
        "api_key.created",
        "api_key",
        row.id,
        partner_id=partner_id,
        before=None,
        after={"id": row.id, "scope": scope, "prefix": row.prefix},
    )
    return ApiKeyCreated(id=row.id, key=plain, scope=scope, partner_id=partner_id)


def revoke_key(ctx: Ctx, partner_id: str, key_id: str) -> dict[str, object]:
    row = ctx.session.get(ApiKey, key_id)
    if row is None or row.partner_id != partner_id:
        raise NotFound(f"key {key_id} not found")
    if row.revoked_at is None:
        row.revoked_at = ctx.now
        ctx.audit(
            "api_key.revoked",
            "api_key",
            row.id,
            partner_id=partner_id,
            before={"revoked_at": None},
            after={"revoked_at": ctx.now.isoformat()},
        )
    return {"id": row.id, "scope": row.scope, "revoked_at": row.revoked_at}
