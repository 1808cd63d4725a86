"""Money arithmetic on integer cents and basis points, rounded half-up exactly once."""

BP_DENOMINATOR = 10_000


def div_round_half_up(numerator: int, denominator: int) -> int:
    """Divide two integers and round half away from zero (half-up for amounts)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return sign * quotient


def apply_bp(amount_cents: int, bp: int) -> int:
    """The share of `amount_cents` given by `bp` basis points, rounded half-up."""
    return div_round_half_up(amount_cents * bp, BP_DENOMINATOR)


def net_of_discount(amount_cents: int, discount_bp: int) -> int:
    """What `amount_cents` of nominal credit cost with `discount_bp` off, rounded half-up."""
    return div_round_half_up(amount_cents * (BP_DENOMINATOR - discount_bp), BP_DENOMINATOR)


def eur(cents: int) -> str:
    """1234567 -> '12,345.67 EUR': what a person reads (integer arithmetic, no float)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}{whole:,}.{part:02d} EUR"
