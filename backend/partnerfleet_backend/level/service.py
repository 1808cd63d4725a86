"""The levels of the partner program: Bronze to Platinum, and what each includes."""

from dataclasses import dataclass
from enum import StrEnum


class LevelName(StrEnum):
    BRONZE = "bronze"
    SILVER = "silver"
    GOLD = "gold"
    PLATINUM = "platinum"


@dataclass(frozen=True)
class Level:
    """A partner level and its benefits."""

    name: LevelName
    from_monthly_cents: int
    priority: bool
    support: str
    api_calls: int
    white_label: bool
    personal_manager: bool
    # The partner's cashback on what its customers pay themselves: a part of the public
    # price, in basis points (SPEC: Partnerships and who pays).
    cashback_bp: int

    def includes_option(self, option: str) -> bool:
        """Whether this level already gives what the add-on `option` sells."""
        return (option == "premium-support" and self.support == "premium") or (
            option == "white-label" and self.white_label
        )

    def benefits(self) -> dict[str, object]:
        """The benefits as shown to the partner."""
        return {
            "priority": self.priority,
            "support": self.support,
            "api_calls_per_month": self.api_calls,
            "white_label": self.white_label,
            "personal_manager": self.personal_manager,
        }


LEVELS: dict[str, Level] = {
    level.name: level
    for level in (
        Level(LevelName.BRONZE, 0, False, "basic", 0, False, False, 2_000),
        Level(LevelName.SILVER, 11_000, True, "basic", 25_000, False, False, 2_500),
        Level(LevelName.GOLD, 38_500, True, "premium", 50_000, True, False, 3_000),
        Level(LevelName.PLATINUM, 110_000, True, "premium", 100_000, True, True, 3_500),
    )
}


def level_for_monthly_usage(monthly_nominal_cents: int) -> Level:
    """The highest level whose threshold the monthly nominal usage reaches."""
    eligible = [lvl for lvl in LEVELS.values() if monthly_nominal_cents >= lvl.from_monthly_cents]
    return max(eligible, key=lambda lvl: lvl.from_monthly_cents)
