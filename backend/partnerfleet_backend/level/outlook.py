"""The level a partner gets at the next monthly run, as things stand now: what `GET /v1/level`,
the overview and the plan say in advance, by the rule the run applies (`decide_level`)."""

from dataclasses import dataclass, replace

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.kit.timeutil import start_of_next_month
from partnerfleet_backend.level import repository
from partnerfleet_backend.level.service import LevelDecision, Standing, decide_level


@dataclass(frozen=True)
class Outlook:
    standing: Standing
    decision: LevelDecision


def next_run(ctx: Ctx, partner_id: str, run_rate_cents: int | None = None) -> Outlook:
    """The next run's level: the orders made so far that still count then (the plan's own
    included, made in its transaction), the trainings still valid then, the run-rate now (or
    the one the plan predicts)."""
    at = start_of_next_month(ctx.now)
    standing = repository.standing(ctx.session, [partner_id], ctx.now, at)[partner_id]
    if run_rate_cents is not None:
        standing = replace(standing, run_rate_cents=run_rate_cents)
    return Outlook(standing, decide_level(standing))
