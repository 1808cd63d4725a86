"""Add-on options: charged from credit a month at a time, not charged when the level has it."""

from partnerfleet_backend.addon import repository
from partnerfleet_backend.addon.schemas import AddOnCreate, AddOnRead, AddOnUpdate
from partnerfleet_backend.billing import undo
from partnerfleet_backend.catalog.pricing import addon_price_cents
from partnerfleet_backend.catalog.service import load_catalog
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.errors import Conflict, NotFound
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.kit.timeutil import add_months
from partnerfleet_backend.kit.unique import ensure_unique
from partnerfleet_backend.level import repository as levels
from partnerfleet_backend.level.service import LEVELS
from partnerfleet_backend.models import AddOn, AddOnStatus, OrderKind, Partner
from partnerfleet_backend.models.addon import SINGLE_OPTIONS
from partnerfleet_backend.wallet import service as wallet
from partnerfleet_backend.wallet.service import Charge


class AddOnAlreadyActive(Conflict):
    code = "addon_already_active"


def get(ctx: Ctx, partner_id: str, addon_id: str) -> AddOn:
    addon = repository.get(ctx.session, addon_id)
    if addon is None or addon.partner_id != partner_id:
        raise NotFound(f"add-on {addon_id} not found")
    return addon


def current(ctx: Ctx, partner_id: str, option: str) -> AddOn | None:
    """The partner's add-on `option` in its period now and not cancelled."""
    return repository.current_option(ctx.session, partner_id, option, ctx.now)


def unclaimed(ctx: Ctx, partner_id: str, option: str) -> AddOn | None:
    """The oldest add-on `option` in its period that no program manages (bought outside)."""
    return repository.unclaimed(ctx.session, partner_id, option, ctx.now)


def latest_paid(ctx: Ctx, partner_id: str, option: str) -> AddOn | None:
    """The bought add-on `option` whose paid period runs longest from now."""
    return repository.latest_paid(ctx.session, partner_id, option, ctx.now)


def buy(ctx: Ctx, partner: Partner, body: AddOnCreate) -> AddOn:
    """Buy an option for one month: charged unless the partner's level includes it."""
    catalog = load_catalog(ctx.session)
    option = catalog.addon_option(body.option)
    ensure_unique(ctx, AddOn.client_reference, partner.id, body.client_reference, what="add-on")
    if body.option in SINGLE_OPTIONS:
        held = current(ctx, partner.id, body.option)
        if held is not None:
            raise AddOnAlreadyActive(
                f"{body.option} is already active as {held.id} until {held.period_end.isoformat()}",
                field="option",
                existing_id=held.id,
            )
    included = LEVELS[partner.level].includes_option(body.option)
    if option.get("on_request"):
        status = AddOnStatus.REQUESTED
    elif included:
        status = AddOnStatus.INCLUDED
    else:
        status = AddOnStatus.ACTIVE
    price = addon_price_cents(catalog, body.option, included=included)
    addon = AddOn(
        id=new_id("add"),
        partner_id=partner.id,
        option=body.option,
        status=status,
        auto_renew=body.auto_renew,
        price_cents=price,
        period_start=ctx.now,
        period_end=add_months(ctx.now, int(option["months"])),
        client_reference=body.client_reference,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(addon)
    if price:  # bought (not included in the level, not a quote request): an order
        levels.add_order(ctx.session, partner.id, OrderKind.ADDON, "addon", addon.id, ctx.now)
    ctx.session.flush()  # the add-on and its order, before the charge locks the wallet's row
    wallet.charge(
        ctx, partner.id, price, Charge(f"add-on {body.option}, one month", "addon", addon.id)
    )
    ctx.audit(
        "addon.created",
        "addon",
        addon.id,
        partner_id=partner.id,
        before=None,
        after=ctx.snapshot(addon),
    )
    return addon


class AddOnClaimed(Conflict):
    code = "addon_claimed"


def change(ctx: Ctx, partner_id: str, addon_id: str, body: AddOnUpdate) -> AddOn:
    """Turn renewal on or off; claim an add-on bought outside a program (once)."""
    addon = get(ctx, partner_id, addon_id)
    if body.auto_renew is None and body.client_reference is None:
        return addon
    ctx.check_version(addon.version)
    before = ctx.snapshot(addon)
    if body.client_reference is not None and body.client_reference != addon.client_reference:
        if addon.client_reference is not None:
            raise AddOnClaimed(
                f"add-on {addon.id} is managed already (client_reference "
                f"'{addon.client_reference}')",
                field="client_reference",
            )
        ensure_unique(ctx, AddOn.client_reference, partner_id, body.client_reference, what="add-on")
        addon.client_reference = body.client_reference
    if body.auto_renew is not None:
        addon.auto_renew = body.auto_renew
    addon.updated_at = ctx.now
    addon.version += 1
    ctx.session.flush()
    ctx.audit(
        "addon.updated",
        "addon",
        addon.id,
        partner_id=partner_id,
        before=before,
        after=ctx.snapshot(addon),
    )
    return addon


def cancel(ctx: Ctx, partner_id: str, addon_id: str) -> AddOn:
    """Cancel: no renewal; what was paid runs to the end of its period, unless it was paid
    within the grace window: then it is given back and the add-on ends now."""
    repository.get_locked(ctx.session, addon_id)  # a cancel racing another waits here
    addon = get(ctx, partner_id, addon_id)
    ctx.check_version(addon.version)
    if addon.cancelled_at is not None:
        return addon
    before = ctx.snapshot(addon)
    bought = undo.purchases(ctx, "addon", [addon.id])[addon.id]
    addon.auto_renew = False
    addon.cancelled_at = ctx.now
    addon.updated_at = ctx.now
    addon.version += 1
    if bought or addon.status in (AddOnStatus.INCLUDED, AddOnStatus.REQUESTED):
        addon.status = AddOnStatus.ENDED
    ctx.session.flush()
    after = ctx.snapshot(addon) or {}
    if bought:
        after["undone"] = undo.said(bought)
    ctx.audit(
        "addon.cancelled", "addon", addon.id, partner_id=partner_id, before=before, after=after
    )
    for purchase in bought:  # last: the wallet's row is locked from the refund to the commit
        undo.undo(ctx, partner_id, purchase)
    return addon


def list_addons(
    ctx: Ctx,
    partner_id: str,
    limit: int,
    cursor: str | None,
    status: str | None,
    option: str | None = None,
) -> tuple[list[AddOn], str | None]:
    return repository.addons_page(ctx.session, partner_id, limit, cursor, status, option)


def view(addon: AddOn) -> AddOnRead:
    return AddOnRead.model_validate(addon)
