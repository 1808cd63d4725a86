"""The monthly level run: each partner's level by the one rule (`decide_level`): its monthly
nominal usage, its orders of the last six months, its trainings."""

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.scope import EVERY, PartnerScope
from partnerfleet_backend.kit.timeutil import period_of
from partnerfleet_backend.level import repository
from partnerfleet_backend.level.service import decide_level
from partnerfleet_backend.notification.service import notify


def recompute_levels(ctx: Ctx, scope: PartnerScope = EVERY) -> int:
    """At the start of each month: the level by the rule (a level set by an operator holds
    until then)."""
    period = period_of(ctx.now)
    partners = repository.lock_due(ctx.session, period, scope)
    if not partners:
        return 0
    standings = repository.standing(ctx.session, [p.id for p in partners], ctx.now)
    changed = 0
    for partner in partners:
        standing = standings[partner.id]
        decision = decide_level(standing)
        level = decision.level.name
        if level != partner.level:
            changed += 1
            why = f" ({'; '.join(decision.reasons)})" if decision.reasons else ""
            ctx.audit(
                "partner.level_changed",
                "partner",
                partner.id,
                partner_id=partner.id,
                before={"level": partner.level},
                after={
                    "level": level,
                    "monthly_nominal_cents": standing.run_rate_cents,
                    "orders_6_months": standing.orders,
                    "trainings": sorted(standing.trainings),
                    "reasons": list(decision.reasons),
                },
            )
            notify(
                ctx,
                partner.id,
                "level_changed",
                f"your level for {period} is {level} (monthly nominal usage "
                f"{standing.run_rate_cents} cents){why}; support line "
                f"{decision.level.support_phone}",
                dedupe_key=f"level:{partner.id}:{period}",
                data={
                    "from": partner.level,
                    "to": level,
                    "monthly_nominal_cents": standing.run_rate_cents,
                    "orders_6_months": standing.orders,
                    "reasons": list(decision.reasons),
                    "support_phone": decision.level.support_phone,
                },
            )
        repository.set_level(ctx.session, partner.id, level, period)
    return changed
