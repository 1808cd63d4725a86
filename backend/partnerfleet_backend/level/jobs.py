"""The monthly level run: each partner's level from its monthly nominal usage."""

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.scope import EVERY, PartnerScope
from partnerfleet_backend.kit.timeutil import period_of
from partnerfleet_backend.level import repository
from partnerfleet_backend.level.service import level_for_monthly_usage
from partnerfleet_backend.notification.service import notify


def recompute_levels(ctx: Ctx, scope: PartnerScope = EVERY) -> int:
    """At the start of each month: the level from the monthly nominal usage (a level set by an
    operator holds until then)."""
    period = period_of(ctx.now)
    partners = repository.lock_due(ctx.session, period, scope)
    if not partners:
        return 0
    usage = repository.monthly_usage(ctx.session, [p.id for p in partners], ctx.now)
    changed = 0
    for partner in partners:
        level = level_for_monthly_usage(usage[partner.id]).name
        if level != partner.level:
            changed += 1
            ctx.audit(
                "partner.level_changed",
                "partner",
                partner.id,
                partner_id=partner.id,
                before={"level": partner.level},
                after={"level": level, "monthly_nominal_cents": usage[partner.id]},
            )
            notify(
                ctx,
                partner.id,
                "level_changed",
                f"your level for {period} is {level} (monthly nominal usage "
                f"{usage[partner.id]} cents)",
                dedupe_key=f"level:{partner.id}:{period}",
                data={
                    "from": partner.level,
                    "to": level,
                    "monthly_nominal_cents": usage[partner.id],
                },
            )
        repository.set_level(ctx.session, partner.id, level, period)
    return changed
