"""The partner's support level: premium from its level (Gold, Platinum) or from the
premium-support add-on; basic otherwise."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from partnerfleet_backend.addon import service as addons
from partnerfleet_backend.addon.schemas import AddOnCreate
from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.level.service import LEVELS
from partnerfleet_backend.models import Partner
from partnerfleet_backend.partner import repository as partners_repository

OPTION = "premium-support"


@dataclass(frozen=True)
class Support:
    support_level: Literal["basic", "premium"]
    source: Literal["level", "option"]
    premium_until: datetime | None = None


def support_level(ctx: Ctx, partner: Partner) -> Support:
    """The support the partner has now, and where it comes from."""
    if LEVELS[partner.level].support == "premium":
        return Support("premium", "level")
    bought = addons.latest_paid(ctx, partner.id, OPTION)
    if bought is not None:
        return Support("premium", "option", bought.period_end)
    return Support("basic", "level")


def set_support(ctx: Ctx, partner: Partner, level: str) -> Support:
    """premium buys the premium-support option unless the level has it; basic cancels it.
    The partner's row is locked first: the same PUT twice at once buys once and answers
    alike."""
    partners_repository.lock(ctx.session, partner.id)
    included = LEVELS[partner.level].support == "premium"
    held = addons.current(ctx, partner.id, OPTION)
    if level == "premium" and not included and held is None:
        addons.buy(ctx, partner, AddOnCreate(option=OPTION))
    if level == "basic" and held is not None:
        addons.cancel(ctx, partner.id, held.id)
    return support_level(ctx, partner)
