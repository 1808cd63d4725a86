"""The partner program's fixed rules: top-up discount brackets and partner levels."""

from dataclasses import dataclass

FIRST_TOP_UP_MINIMUM_CENTS = 55_000
CREDIT_VALIDITY_MONTHS = 12

# (top-up from, in nominal cents; discount in basis points), highest first.
TOP_UP_BRACKETS: tuple[tuple[int, int], ...] = (
    (2_750_000, 5_000),
    (1_100_000, 4_500),
    (550_000, 4_000),
    (275_000, 3_500),
    (110_000, 3_000),
    (55_000, 2_500),
)


def top_up_discount_bp(amount_cents: int) -> int:
    """The discount a single top-up of `amount_cents` nominal reaches (0 below 550 EUR)."""
    for threshold, discount in TOP_UP_BRACKETS:
        if amount_cents >= threshold:
            return discount
    return 0


@dataclass(frozen=True)
class Level:
    """A partner level and its benefits."""

    name: str
    from_monthly_cents: int
    priority: bool
    support: str
    api_calls: int
    white_label: bool
    personal_manager: bool

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
        Level("bronze", 0, False, "basic", 0, False, False),
        Level("silver", 11_000, True, "basic", 25_000, False, False),
        Level("gold", 38_500, True, "premium", 50_000, True, False),
        Level("platinum", 110_000, True, "premium", 100_000, True, True),
    )
}


def level_for_monthly_usage(monthly_nominal_cents: int) -> Level:
    """The highest level whose threshold the monthly nominal usage reaches."""
    eligible = [lvl for lvl in LEVELS.values() if monthly_nominal_cents >= lvl.from_monthly_cents]
    return max(eligible, key=lambda lvl: lvl.from_monthly_cents)
