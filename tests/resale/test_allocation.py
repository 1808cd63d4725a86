"""A charge spread over the months it pays for adds up to it exactly, whatever its amount (a
refund's negative too) and period."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from partnerfleet_backend.kit.timeutil import add_months
from partnerfleet_backend.resale.allocation import share

START = datetime(2027, 1, 1, tzinfo=UTC)


@given(
    amount=st.integers(min_value=-(10**9), max_value=10**9),
    offset=st.integers(min_value=0, max_value=400 * 86_400),
    length=st.integers(min_value=0, max_value=5 * 366 * 86_400),
)
def test_the_months_of_a_charge_add_up_to_it(amount: int, offset: int, length: int) -> None:
    start = START + timedelta(seconds=offset)
    end = start + timedelta(seconds=length)
    months = [add_months(START, k) for k in range(80)]
    parts = [share(amount, start, end, lo, hi) for lo, hi in pairwise(months)]
    assert sum(parts) == amount
    # a refund (the same, negated) takes back exactly each month's part
    assert [share(-amount, start, end, lo, hi) for lo, hi in pairwise(months)] == [
        -x for x in parts
    ]
