"""The wallet through the API: top-ups, lots, expiry and extension, net cost, refusals."""

from datetime import UTC, datetime
from typing import Any

from tests.support.api import Caller, SetClock, keep_level, ledger, make_customer, make_partner

T0 = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def buy_monthly_license(caller: Caller, customer_id: str, seats: int, **kw: object) -> Any:
    body = {
        "customer_id": customer_id,
        "product": "dns-filter",
        "edition": "pro",
        "term_months": 1,
        "seats": seats,
        **kw,
    }
    return caller.post("/v1/licenses", body)


class TestTopUp:
    def test_first_top_up_below_minimum_is_refused(self, operator: Caller) -> None:
        p = make_partner(operator)
        r = operator.post(f"/v1/partners/{p.id}/top-ups", {"amount_cents": 54_999}, expect=422)
        assert r.json()["code"] == "first_top_up_too_small"
        assert p.read.get("/v1/wallet").json()["balance_cents"] == 0
        assert ledger(p.read) == []

    def test_top_up_reports_discount_price_and_expiry(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator)
        r = operator.post(f"/v1/partners/{p.id}/top-ups", {"amount_cents": 55_000}, expect=201)
        body = r.json()
        assert (body["amount_cents"], body["discount_bp"], body["price_cents"]) == (
            55_000,
            2_500,
            41_250,
        )
        assert body["expires_at"].startswith("2027-01-15T12:00:00")
        r = operator.post(f"/v1/partners/{p.id}/top-ups", {"amount_cents": 275_000}, expect=201)
        assert (r.json()["discount_bp"], r.json()["price_cents"]) == (3_500, 178_750)

    def test_later_top_ups_may_be_small_and_get_no_discount(self, operator: Caller) -> None:
        p = make_partner(operator, top_up_cents=55_000)
        r = operator.post(f"/v1/partners/{p.id}/top-ups", {"amount_cents": 1_000}, expect=201)
        assert (r.json()["discount_bp"], r.json()["price_cents"]) == (0, 1_000)
        assert p.read.get("/v1/wallet").json()["balance_cents"] == 56_000


class TestCharges:
    def test_insufficient_credit_is_402_and_changes_nothing(self, operator: Caller) -> None:
        p = make_partner(operator, top_up_cents=55_000)
        customer = make_customer(p, segment="business")
        before = p.read.get("/v1/wallet").json()
        r = buy_monthly_license(p.write, customer["id"], seats=1_000)  # 1000 x 1.10 = 1,100 EUR
        assert r.status_code == 402
        problem = r.json()
        assert r.headers["content-type"].startswith("application/problem+json")
        assert (problem["code"], problem["needed_cents"], problem["available_cents"]) == (
            "insufficient_credit",
            110_000,
            55_000,
        )
        assert p.read.get("/v1/wallet").json() == before
        assert p.read.get("/v1/licenses").json()["items"] == []
        assert [e["kind"] for e in ledger(p.read)] == ["top_up"]

    def test_net_cost_follows_the_lots_oldest_first(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=55_000)  # 25 % off
        operator.post(f"/v1/partners/{p.id}/top-ups", {"amount_cents": 110_000}, expect=201)
        customer = make_customer(p, segment="business")
        # 100 x 1.10 x 1 month = 110.00 EUR, then 500 x 1.10 = 550 EUR spanning both lots
        buy_monthly_license(p.write, customer["id"], seats=100).raise_for_status()
        buy_monthly_license(p.write, customer["id"], seats=500).raise_for_status()
        charges = [e for e in ledger(p.read) if e["kind"] == "charge"]
        assert [c["amount_cents"] for c in charges] == [-11_000, -55_000]
        # first: all from the 25 % lot -> 82.50; second: 440 EUR at 25 % + 110 EUR at 0 %...
        assert charges[0]["net_cents"] == -8_250
        # 44,000 x 0.75 + 11,000 x 0.70 (the second lot has 30 % off) = 33,000 + 7,700
        assert charges[1]["net_cents"] == -40_700
        wallet = p.read.get("/v1/wallet").json()
        assert wallet["balance_cents"] == 165_000 - 66_000
        assert [lot["remaining_cents"] for lot in wallet["lots"]] == [99_000]

    def test_balance_is_the_sum_of_the_ledger(self, operator: Caller) -> None:
        p = make_partner(operator, top_up_cents=110_000)
        customer = make_customer(p)
        for seats in (10, 20, 30):
            buy_monthly_license(p.write, customer["id"], seats=seats).raise_for_status()
        total = sum(e["amount_cents"] for e in ledger(p.read))
        assert p.read.get("/v1/wallet").json()["balance_cents"] == total == 110_000 - 60 * 22


class TestExpiry:
    def test_credit_expires_after_twelve_months_through_a_ledger_entry(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=55_000)
        set_clock(datetime(2027, 1, 15, 12, 0, 1, tzinfo=UTC))
        operator.post("/v1/jobs/run", {}, expect=200)
        keep_level(operator, p)
        entries = ledger(p.read)
        assert [(e["kind"], e["amount_cents"], e["net_cents"]) for e in entries] == [
            ("top_up", 55_000, 41_250),
            ("expiry", -55_000, -41_250),
        ]
        assert p.read.get("/v1/wallet").json()["balance_cents"] == 0

    def test_a_top_up_before_expiry_extends_all_remaining_credit(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=55_000)
        set_clock(datetime(2027, 1, 1, tzinfo=UTC))
        operator.post(f"/v1/partners/{p.id}/top-ups", {"amount_cents": 100}, expect=201)
        set_clock(datetime(2027, 6, 1, tzinfo=UTC))
        operator.post("/v1/jobs/run", {}, expect=200)
        keep_level(operator, p)
        wallet = p.read.get("/v1/wallet").json()
        assert wallet["balance_cents"] == 55_100
        assert {lot["expires_at"][:10] for lot in wallet["lots"]} == {"2028-01-01"}

    def test_a_charge_never_draws_on_expired_credit(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=55_000)
        customer = make_customer(p)
        set_clock(datetime(2027, 2, 1, tzinfo=UTC))  # expired, the job has not run yet
        r = buy_monthly_license(p.write, customer["id"], seats=1)
        assert r.status_code == 402
        assert r.json()["available_cents"] == 0
        kinds = [e["kind"] for e in ledger(p.read)]
        assert kinds == ["top_up"]  # the refused request rolled back its expiry too


class TestRefundAndAdjustment:
    def test_refund_returns_credit_to_the_lots_it_came_from(self, operator: Caller) -> None:
        p = make_partner(operator, top_up_cents=55_000)
        customer = make_customer(p)
        buy_monthly_license(p.write, customer["id"], seats=10).raise_for_status()
        charge = next(e for e in ledger(p.read) if e["kind"] == "charge")
        r = operator.post(f"/v1/partners/{p.id}/refunds", {"entry_id": charge["id"]}, expect=201)
        assert (r.json()["amount_cents"], r.json()["net_cents"]) == (220, 165)
        operator.post(f"/v1/partners/{p.id}/refunds", {"entry_id": charge["id"]}, expect=409)
        assert p.read.get("/v1/wallet").json()["balance_cents"] == 55_000

    def test_negative_adjustment_cannot_overdraw(self, operator: Caller) -> None:
        p = make_partner(operator, top_up_cents=55_000)
        r = operator.post(
            f"/v1/partners/{p.id}/adjustments", {"amount_cents": -60_000, "reason": "test"}
        )
        assert r.status_code == 402
        operator.post(
            f"/v1/partners/{p.id}/adjustments",
            {"amount_cents": 5_000, "reason": "goodwill"},
            expect=201,
        )
        assert p.read.get("/v1/wallet").json()["balance_cents"] == 60_000
