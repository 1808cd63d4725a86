"""A top-up request waits at most once per partner, and is settled once, when requests race
(through the served backend, 4 workers; on PostgreSQL truly at once: a unique index holds the
one waiting request, the request's row lock the one settlement)."""

from collections import Counter

import pytest

from tests.support.api import Caller, all_items, ledger, make_partner
from tests.support.race import race

pytestmark = pytest.mark.slow
RACERS = 8


def test_requests_at_once_make_one_and_settlements_at_once_buy_once(
    live_operator: Caller,
) -> None:
    p = make_partner(live_operator, top_up_cents=55_000)
    answers = race(
        p.write, [lambda c: c.post("/v1/top-up-requests", {"amount_cents": 55_000})] * RACERS
    )
    assert answers == Counter({(201, ""): 1, (409, "top_up_pending"): RACERS - 1})
    (asked,) = all_items(p.read, "/v1/top-up-requests")
    settle = f"/v1/partners/{p.id}/top-up-requests/{asked['id']}/settlement"
    settled = race(live_operator, [lambda c: c.post(settle, {})] * RACERS)
    assert settled == Counter({(200, ""): 1, (409, "top_up_settled"): RACERS - 1})
    assert [e["kind"] for e in ledger(p.read)] == ["top_up", "top_up"]
