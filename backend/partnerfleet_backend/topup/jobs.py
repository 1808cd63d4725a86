"""The calendar's top-up requests: each partner whose rule asks for one now (the credit below
its threshold, or renewals of the next 7 days it cannot pay) and has none waiting gets one."""

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.scope import EVERY, PartnerScope
from partnerfleet_backend.topup import repository, service


def request_top_ups(ctx: Ctx, scope: PartnerScope = EVERY) -> int:
    """Make the top-up requests the rules ask for; how many."""
    rules = repository.all_rules(ctx.session, scope)
    waiting = repository.open_of(ctx.session, [r.partner_id for r in rules])
    made = 0
    for rule in rules:
        if rule.partner_id in waiting:
            continue
        reason = service.needed(ctx, rule)
        if reason is not None:
            service.request(ctx, rule.partner_id, rule.amount_cents, reason, by="rule")
            made += 1
    return made
