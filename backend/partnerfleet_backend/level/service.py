"""The levels of the partner program: Bronze to Platinum, what each includes, and the one rule
that gives a partner its level (SPEC: Partner level; Levels by purchase behaviour and
training), used by the monthly run, `GET /v1/level`, the overview and the plan alike."""

from dataclasses import dataclass, field
from enum import StrEnum

from partnerfleet_backend.models import TrainingKind


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
    # The training the level requires (recorded by the operator, valid 24 months), and the
    # support line of partners at this level (catalog data: shown to the partner and to the
    # customers it supports).
    training: TrainingKind | None = None
    support_phone: str = ""

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
            "support_phone": self.support_phone,
            "what_they_mean": {"priority": PRIORITY_MEANS, "personal_manager": MANAGER_MEANS},
        }


LEVELS: dict[str, Level] = {
    level.name: level
    for level in (
        Level(
            LevelName.BRONZE, 0, False, "basic", 0, False, False, 2_000, None, "+49 30 5557 1000"
        ),
        Level(
            LevelName.SILVER,
            11_000,
            True,
            "basic",
            25_000,
            False,
            False,
            2_500,
            TrainingKind.HALF_DAY,
            "+49 30 5557 2000",
        ),
        Level(
            LevelName.GOLD,
            38_500,
            True,
            "premium",
            50_000,
            True,
            False,
            3_000,
            TrainingKind.TWO_DAY,
            "+49 30 5557 3000",
        ),
        Level(
            LevelName.PLATINUM,
            110_000,
            True,
            "premium",
            100_000,
            True,
            True,
            3_500,
            TrainingKind.TWO_DAY,
            "+49 30 5557 4000",
        ),
    )
}
# What "priority" does: a request for quotes reaches partners whose level has it at once, the
# others this many hours later (directory/tenders.py).
PRIORITY_HOURS = 24
PRIORITY_MEANS = (
    f"requests for quotes reach you at once; partners without priority get them "
    f"{PRIORITY_HOURS} hours later"
)
MANAGER_MEANS = "the vendor assigns you a personal manager (name, email, phone in /v1/me)"
ORDER_WINDOW_MONTHS = 6  # orders counted over the last six months
MIN_ORDERS = 2  # fewer than this: Bronze whatever the run-rate
TRAINING_VALID_MONTHS = 24
# A training covers the levels of its own and of the shorter ones (the two-day training is the
# half-day's content and more).
COVERS = {
    TrainingKind.HALF_DAY: {TrainingKind.HALF_DAY},
    TrainingKind.TWO_DAY: {TrainingKind.HALF_DAY, TrainingKind.TWO_DAY},
}
TRAINING_NAMES = {TrainingKind.HALF_DAY: "half-day", TrainingKind.TWO_DAY: "two-day"}


def level_for_monthly_usage(monthly_nominal_cents: int) -> Level:
    """The highest level whose threshold the monthly nominal usage reaches."""
    eligible = [lvl for lvl in LEVELS.values() if monthly_nominal_cents >= lvl.from_monthly_cents]
    return max(eligible, key=lambda lvl: lvl.from_monthly_cents)


@dataclass(frozen=True)
class Standing:
    """What decides a partner's level at one moment: its monthly run-rate, its orders in the
    six months before, and the trainings valid then."""

    run_rate_cents: int
    orders: int
    trainings: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class LevelDecision:
    level: Level
    by_run_rate: Level
    reasons: tuple[str, ...]  # why the level is below what the run-rate gives


def decide_level(standing: Standing) -> LevelDecision:
    """The level of `standing`: the run-rate's level, Bronze with fewer than two orders in six
    months, else the highest level up to the run-rate's whose training the partner has."""
    by_run_rate = level_for_monthly_usage(standing.run_rate_cents)
    if by_run_rate.name == LevelName.BRONZE:
        return LevelDecision(by_run_rate, by_run_rate, ())
    if standing.orders < MIN_ORDERS:
        said = "1 order" if standing.orders == 1 else f"{standing.orders} orders"
        return LevelDecision(
            LEVELS[LevelName.BRONZE],
            by_run_rate,
            (
                f"run-rate makes it {by_run_rate.name}; {said} in the last "
                f"{ORDER_WINDOW_MONTHS} months ({MIN_ORDERS} needed) makes it bronze",
            ),
        )
    covered = set().union(*(COVERS[TrainingKind(kind)] for kind in standing.trainings))
    ladder = sorted(LEVELS.values(), key=lambda lvl: lvl.from_monthly_cents)
    reached = [lvl for lvl in ladder if lvl.from_monthly_cents <= by_run_rate.from_monthly_cents]
    level = max(
        (lvl for lvl in reached if lvl.training is None or lvl.training in covered),
        key=lambda lvl: lvl.from_monthly_cents,
    )
    if level is by_run_rate:
        return LevelDecision(level, by_run_rate, ())
    assert by_run_rate.training is not None
    return LevelDecision(
        level,
        by_run_rate,
        (
            f"run-rate makes it {by_run_rate.name}; needs the "
            f"{TRAINING_NAMES[by_run_rate.training]} training",
        ),
    )
