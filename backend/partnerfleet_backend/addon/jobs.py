"""The add-ons' calendar: at the end of its month an add-on renews (charged again, free while
the level includes it) or ends.

Set-based, like the license renewals: the due add-ons are locked and read as rows in one
statement, their partners' wallets together (`JobCharges`), and the new periods, ledger rows,
notifications and audit events written in bulk; the per-add-on work is arithmetic in memory.
"""

from typing import Any

from partnerfleet_backend.addon import repository
from partnerfleet_backend.audit.service import plain
from partnerfleet_backend.catalog.pricing import addon_price_cents
from partnerfleet_backend.catalog.service import load_catalog
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.scope import EVERY, PartnerScope
from partnerfleet_backend.kit.timeutil import add_months
from partnerfleet_backend.level.service import LEVELS
from partnerfleet_backend.models import AddOnStatus
from partnerfleet_backend.notification.service import Note
from partnerfleet_backend.wallet.batch import JobCharges, rows_by_partner
from partnerfleet_backend.wallet.service import Charge

CHANGED = ("status", "price_cents", "period_start", "period_end")


def renew_addons(ctx: Ctx, scope: PartnerScope = EVERY) -> dict[str, int]:
    """Add-ons renew monthly; cancelled ones, quote requests and unpaid ones end."""
    done = {"renewed": 0, "ended": 0}
    due = repository.lock_due_for_renewal(ctx.session, ctx.now, scope)
    state = {row["id"]: row for row in due}
    if not state:
        return done
    catalog = load_catalog(ctx.session)
    levels = repository.levels_of_due(ctx.session, ctx.now, scope)
    by_partner = rows_by_partner(state.values())
    charges = JobCharges(ctx, set(by_partner))
    notes: list[Note] = []
    events: list[dict[str, Any]] = []

    def audit(addon: dict[str, Any], action: str, status: AddOnStatus, **after: Any) -> None:
        events.append(
            {
                "action": action,
                "object_type": "addon",
                "object_id": addon["id"],
                "partner_id": addon["partner_id"],
                "before": {
                    "status": addon["status"],
                    "period_end": addon["period_end"].isoformat(),
                },
                "after": plain({"status": status.value, **after}),
            }
        )

    def end(addon: dict[str, Any], **after: Any) -> None:
        audit(addon, "addon.ended", AddOnStatus.ENDED, **after)
        addon["status"] = AddOnStatus.ENDED.value
        done["ended"] += 1

    for partner_id, pending in by_partner.items():
        while pending:  # an add-on overdue by several months renews once per pass
            renewing: list[tuple[dict[str, Any], int, bool]] = []
            for addon in pending:
                if (
                    not addon["auto_renew"]
                    or addon["cancelled_at"] is not None
                    or addon["status"] == AddOnStatus.REQUESTED
                ):
                    end(addon)
                    continue
                included = LEVELS[levels[partner_id]].includes_option(addon["option"])
                price = addon_price_cents(catalog, addon["option"], included=included)
                renewing.append((addon, price, included))
            paid = charges.charge(
                partner_id,
                [
                    (price, Charge(f"add-on {addon['option']}, renewal", "addon", addon["id"]))
                    for addon, price, _ in renewing
                ],
            )
            pending = []
            for (addon, price, included), ok in zip(renewing, paid, strict=True):
                if not ok:
                    refused = {
                        "needed_cents": price,
                        "available_cents": charges.available(partner_id),
                    }
                    end(addon, unpaid_cents=price)
                    notes.append(
                        (
                            partner_id,
                            "addon_ended",
                            f"add-on {addon['option']} ended: not enough credit for its renewal",
                            f"addon-ended:{addon['id']}:{addon['period_end']}",
                            {"addon_id": addon["id"], **refused},
                        )
                    )
                    continue
                status = AddOnStatus.INCLUDED if included else AddOnStatus.ACTIVE
                audit(addon, "addon.renewed", status, price_cents=price)
                months = int(catalog.addon_option(addon["option"])["months"])
                addon.update(
                    status=status.value,
                    price_cents=price,
                    period_start=addon["period_end"],
                    period_end=add_months(addon["period_end"], months),
                )
                done["renewed"] += 1
                if addon["period_end"] <= ctx.now:
                    pending.append(addon)
    # every due add-on changed: renewed or ended
    charges.finish(repository.TABLE, state.values(), CHANGED, notes, events)
    return done
