"""Add-on options: charged from credit a month at a time, not charged when the level has it."""

from sqlalchemy import select

from partnerfleet_backend.addon.schemas import AddOnCreate, AddOnRead, SupportRead
from partnerfleet_backend.audit import snapshot
from partnerfleet_backend.catalog import load_catalog
from partnerfleet_backend.context import Ctx
from partnerfleet_backend.kit.errors import Conflict, NotFound
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.kit.schemas import page_rows
from partnerfleet_backend.kit.timeutil import add_months
from partnerfleet_backend.kit.unique import ensure_unique
from partnerfleet_backend.models import AddOn
from partnerfleet_backend.partner import service as partners
from partnerfleet_backend.program import LEVELS
from partnerfleet_backend.wallet import service as wallet
from partnerfleet_backend.wallet.service import Charge

SINGLE_OPTIONS = ("premium-support", "white-label", "data-export-raw")


class AddOnAlreadyActive(Conflict):
    code = "addon_already_active"


def get(ctx: Ctx, partner_id: str, addon_id: str) -> AddOn:
    addon = ctx.session.get(AddOn, addon_id)
    if addon is None or addon.partner_id != partner_id:
        raise NotFound(f"add-on {addon_id} not found")
    return addon


def _current(ctx: Ctx, partner_id: str, option: str) -> AddOn | None:
    return ctx.session.scalar(
        select(AddOn).where(
            AddOn.partner_id == partner_id,
            AddOn.option == option,
            AddOn.status.in_(("active", "included", "requested")),
            AddOn.period_end > ctx.now,
            AddOn.cancelled_at.is_(None),
        )
    )


def buy(ctx: Ctx, partner_id: str, body: AddOnCreate) -> AddOn:
    """Buy an option for one month: charged unless the partner's level includes it."""
    partner = partners.get(ctx, partner_id)
    option = load_catalog(ctx.session).addon_option(body.option)
    ensure_unique(ctx, AddOn.client_reference, partner_id, body.client_reference, what="add-on")
    if body.option in SINGLE_OPTIONS:
        current = _current(ctx, partner_id, body.option)
        if current is not None:
            raise AddOnAlreadyActive(
                f"{body.option} is already active as {current.id} until "
                f"{current.period_end.isoformat()}",
                field="option",
                existing_id=current.id,
            )
    if option.get("on_request"):
        status, price = "requested", 0
    elif LEVELS[partner.level].includes_option(body.option):
        status, price = "included", 0
    else:
        status, price = "active", int(option["price_cents"])
    addon = AddOn(
        id=new_id("add"),
        partner_id=partner_id,
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
    ctx.session.flush()
    wallet.charge(
        ctx, partner_id, price, Charge(f"add-on {body.option}, one month", "addon", addon.id)
    )
    ctx.audit(
        "addon.created",
        "addon",
        addon.id,
        partner_id=partner_id,
        before=None,
        after=snapshot(addon),
    )
    return addon


def set_auto_renew(ctx: Ctx, partner_id: str, addon_id: str, auto_renew: bool) -> AddOn:
    addon = get(ctx, partner_id, addon_id)
    ctx.check_version(addon.version)
    before = snapshot(addon)
    addon.auto_renew = auto_renew
    addon.updated_at = ctx.now
    ctx.session.flush()
    ctx.audit(
        "addon.updated",
        "addon",
        addon.id,
        partner_id=partner_id,
        before=before,
        after=snapshot(addon),
    )
    return addon


def cancel(ctx: Ctx, partner_id: str, addon_id: str) -> AddOn:
    """Cancel: no renewal; what was paid runs to the end of its period."""
    addon = get(ctx, partner_id, addon_id)
    ctx.check_version(addon.version)
    if addon.cancelled_at is not None:
        return addon
    before = snapshot(addon)
    addon.auto_renew = False
    addon.cancelled_at = ctx.now
    addon.updated_at = ctx.now
    if addon.status in ("included", "requested"):
        addon.status = "ended"
    ctx.session.flush()
    ctx.audit(
        "addon.cancelled",
        "addon",
        addon.id,
        partner_id=partner_id,
        before=before,
        after=snapshot(addon),
    )
    return addon


def list_addons(
    ctx: Ctx, partner_id: str, limit: int, cursor: str | None, status: str | None
) -> tuple[list[AddOn], str | None]:
    statement = select(AddOn).where(AddOn.partner_id == partner_id)
    if status is not None:
        statement = statement.where(AddOn.status == status)
    return page_rows(ctx.session, statement, AddOn.id, limit, cursor)


def view(addon: AddOn) -> AddOnRead:
    return AddOnRead.model_validate(addon)


def support(ctx: Ctx, partner_id: str) -> SupportRead:
    partner = partners.get(ctx, partner_id)
    level, source = partners.support_level(ctx, partner)
    until = None
    if source == "option":
        current = ctx.session.scalar(
            select(AddOn)
            .where(
                AddOn.partner_id == partner_id,
                AddOn.option == "premium-support",
                AddOn.status == "active",
                AddOn.period_end > ctx.now,
            )
            .order_by(AddOn.period_end.desc())
        )
        until = current.period_end if current else None
    return SupportRead(support_level=level, source=source, premium_until=until)


def set_support(ctx: Ctx, partner_id: str, level: str) -> SupportRead:
    """premium buys the premium-support option unless the level has it; basic cancels it."""
    partner = partners.get(ctx, partner_id)
    included = LEVELS[partner.level].support == "premium"
    current = _current(ctx, partner_id, "premium-support")
    if level == "premium" and not included and current is None:
        buy(ctx, partner_id, AddOnCreate(option="premium-support"))
    if level == "basic" and current is not None:
        cancel(ctx, partner_id, current.id)
    return support(ctx, partner_id)
