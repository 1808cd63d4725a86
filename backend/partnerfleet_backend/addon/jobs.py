"""The add-ons' calendar: at the end of its month an add-on renews (charged again, free while
the level includes it) or ends."""

from typing import Any

from partnerfleet_backend.addon import repository
from partnerfleet_backend.catalog.pricing import addon_price_cents
from partnerfleet_backend.catalog.service import load_catalog
from partnerfleet_backend.kit.errors import InsufficientCredit
from partnerfleet_backend.kit.timeutil import add_months
from partnerfleet_backend.level.service import LEVELS
from partnerfleet_backend.models import AddOn, AddOnStatus
from partnerfleet_backend.notification.service import notify
from partnerfleet_backend.partner import repository as partners
from partnerfleet_backend.pipeline.context import Ctx
from partnerfleet_backend.wallet import service as wallet
from partnerfleet_backend.wallet.service import Charge


def renew_addons(ctx: Ctx) -> dict[str, int]:
    """Add-ons renew monthly; cancelled ones, quote requests and unpaid ones end."""
    done = {"renewed": 0, "ended": 0}
    catalog = load_catalog(ctx.session)
    for addon in repository.due_for_renewal(ctx.session, ctx.now):
        partner = partners.get(ctx.session, addon.partner_id)
        assert partner is not None
        while addon.status != AddOnStatus.ENDED and addon.period_end <= ctx.now:
            if (
                not addon.auto_renew
                or addon.cancelled_at is not None
                or addon.status == AddOnStatus.REQUESTED
            ):
                _audit(ctx, addon, "addon.ended", AddOnStatus.ENDED)
                addon.status = AddOnStatus.ENDED
                done["ended"] += 1
                break
            included = LEVELS[partner.level].includes_option(addon.option)
            price = addon_price_cents(catalog, addon.option, included=included)

            def refused(error: InsufficientCredit, addon: AddOn = addon) -> None:
                _end_unpaid(ctx, addon, error)

            what = Charge(f"add-on {addon.option}, renewal", "addon", addon.id)
            paid = wallet.charge_or(ctx, addon.partner_id, price, what, refused)
            if not paid:
                done["ended"] += 1
                break
            status = AddOnStatus.INCLUDED if included else AddOnStatus.ACTIVE
            _audit(ctx, addon, "addon.renewed", status, price_cents=price)
            addon.status = status
            addon.price_cents = price
            addon.period_start = addon.period_end
            addon.period_end = add_months(
                addon.period_end, int(catalog.addon_option(addon.option)["months"])
            )
            addon.updated_at = ctx.now
            done["renewed"] += 1
    return done


def _audit(ctx: Ctx, addon: AddOn, action: str, status: AddOnStatus, **after: Any) -> None:
    ctx.audit(
        action,
        "addon",
        addon.id,
        partner_id=addon.partner_id,
        before={"status": addon.status, "period_end": addon.period_end.isoformat()},
        after={"status": status.value, **after},
    )


def _end_unpaid(ctx: Ctx, addon: AddOn, refused: InsufficientCredit) -> None:
    _audit(
        ctx, addon, "addon.ended", AddOnStatus.ENDED, unpaid_cents=refused.extra.get("needed_cents")
    )
    addon.status = AddOnStatus.ENDED
    extra: dict[str, Any] = refused.extra
    notify(
        ctx,
        addon.partner_id,
        "addon_ended",
        f"add-on {addon.option} ended: not enough credit for its renewal",
        dedupe_key=f"addon-ended:{addon.id}:{addon.period_end}",
        data={"addon_id": addon.id, **extra},
    )
