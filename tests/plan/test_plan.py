"""The plan endpoint: what a change costs, when it takes effect, what it forfeits and whether
it can be paid, before anything changes. The reviewer's cases of the plan issue."""

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.api import (
    Caller,
    PartnerHandle,
    SetClock,
    all_items,
    ledger,
    make_customer,
    make_partner,
    product_reports,
    run_jobs,
    school_license,
    train,
)
from tests.support.plan import apply, plan

T0 = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)


def everything(p: PartnerHandle) -> tuple[Any, ...]:
    """What a plan must not change."""
    return (
        ledger(p.read),
        p.read.get("/v1/wallet").json(),
        all_items(p.read, "/v1/licenses"),
        all_items(p.read, "/v1/customers"),
        all_items(p.read, "/v1/addons"),
        all_items(p.read, "/v1/audit-events"),
        all_items(p.read, "/v1/notifications"),
    )


class TestTheReviewersCases:
    def test_a_seat_increase_shows_what_it_charges_now_and_the_wallet_after(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        start = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)  # a term of 365 days
        set_clock(start)
        p = make_partner(operator, top_up_cents=550_000)  # 40 % off
        lic = school_license(p, seats=400)
        set_clock(start + timedelta(days=182))  # 183 of 365 days left
        change = {"key": "l", "action": "update", "type": "license", "id": lic["id"]}
        result = plan(p, [{**change, "inputs": {"seats": 450}}])
        (planned,) = result["changes"]
        # 50 seats x 0.28 x 12 x 183 / 365 = 8,423.01 cents (the SPEC's example); 60 % of it
        assert (planned["charge_now_cents"], planned["charge_now_net_cents"]) == (8_423, 5_054)
        assert planned["effective"] == "now" and planned["refused"] is None
        assert (planned["monthly_before_cents"], planned["monthly_after_cents"]) == (11_200, 12_600)
        wallet = result["wallet"]
        assert wallet["balance_after_cents"] == wallet["balance_before_cents"] - 8_423
        before = len(ledger(p.read))
        apply(p, {**change, "inputs": {"seats": 450}}, {}).raise_for_status()
        (entry,) = ledger(p.read)[before:]
        assert (-entry["amount_cents"], -entry["net_cents"]) == (8_423, 5_054)

    def test_a_decrease_takes_effect_at_the_renewal_and_charges_nothing(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=550_000)
        lic = school_license(p, seats=650, term=24)
        set_clock(T0 + timedelta(days=8))  # after the grace window (within it: corrected)
        change = {"key": "l", "action": "update", "type": "license", "id": lic["id"]}
        (planned,) = plan(p, [{**change, "inputs": {"seats": 500}}])["changes"]
        assert planned["charge_now_cents"] == 0 and planned["forfeit_cents"] == 0
        assert planned["effective"] == "renewal"
        assert planned["effective_at"] == lic["ends_at"]
        assert planned["monthly_after_cents"] == 650 * 28
        assert planned["monthly_from_renewal_cents"] == 500 * 28
        assert any("no refund" in note for note in planned["notes"])

    def test_a_new_customer_beyond_the_credit_is_refused_before_anything_changes(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=55_000)
        untouched = everything(p)
        customer = {
            "name": "Berufskolleg Ost",
            "segment": "business",
            "country": "DE",
            "contact_email": "it@bk-ost.example",
            "reference": "crm-1099",
        }
        license_ = {"product": "dns-filter", "edition": "proplus", "term_months": 36, "seats": 800}
        result = plan(
            p,
            [
                {"key": "org", "action": "create", "type": "customer", "inputs": customer},
                {
                    "key": "lic",
                    "label": "crm-1099-dns",
                    "action": "create",
                    "type": "license",
                    "customer": "org",
                    "inputs": license_,
                },
            ],
        )
        org, lic = result["changes"]
        assert org["refused"] is None
        needed = 800 * 138 * 36  # 39,744.00 EUR
        assert lic["refused"] == {
            "code": "insufficient_credit",
            "detail": lic["refused"]["detail"],
            "needed_cents": needed,
            "available_cents": 55_000,
            "shortfall_cents": needed - 55_000,
        }
        assert result["refused"] is True
        assert result["first_refusal"] == {
            "key": "lic",
            "label": "crm-1099-dns",
            "code": "insufficient_credit",
            "shortfall_cents": needed - 55_000,
        }
        assert result["wallet"]["balance_after_cents"] == 55_000
        assert everything(p) == untouched

    def test_removing_a_prepaid_license_shows_what_it_forfeits(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=2_750_000)
        lic = school_license(p, seats=1_000, term=60)  # 16,800.00 EUR for 60 months
        set_clock(T0 + timedelta(days=365))
        change = {"key": "l", "action": "delete", "type": "license", "id": lic["id"]}
        (planned,) = plan(p, [change])["changes"]
        days_in_term = (datetime(2032, 3, 1) - datetime(2027, 3, 1)).days  # 1,827
        days_left = days_in_term - 365
        expected = (1_000 * 28 * 60 * days_left * 2 + days_in_term) // (2 * days_in_term)
        assert planned["forfeit_cents"] == expected
        assert (planned["monthly_before_cents"], planned["monthly_after_cents"]) == (28_000, 0)
        assert planned["charge_now_cents"] == 0

    def test_usage_above_the_seats_asked_for_is_under_licensing(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=275_000)
        lic = school_license(p, seats=500)
        product_reports(p.write, lic["license_key"], 520)
        change = {"key": "l", "action": "update", "type": "license", "id": lic["id"]}
        result = plan(p, [{**change, "inputs": {"seats": 450}}])
        assert result["under_licensed"] == [
            {
                "license_id": lic["id"],
                "reference": None,
                "customer_id": lic["customer_id"],
                "customer_label": "Gymnasium Nord",
                "seats": 450,
                "used_seats": 520,
                "in_plan": True,
            }
        ]


class TestThePlanItself:
    def test_a_read_key_may_ask_and_a_plan_is_one_api_call(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=110_000)
        lics = [school_license(p, seats=10) for _ in range(3)]
        used = p.read.get("/v1/quota").json()["used"]
        changes = [
            {
                "key": f"l{i}",
                "action": "update",
                "type": "license",
                "id": x["id"],
                "inputs": {"seats": 20},
            }
            for i, x in enumerate(lics)
        ]
        result = plan(p, changes)
        assert p.read.get("/v1/quota").json()["used"] == used + 2  # the plan, then this read
        assert result["quota"]["calls_needed"] == 3

    def test_the_level_the_new_run_rate_gives_next_month(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        """The level at the next run by the run's rule: the run-rate after the plan, the
        orders that count then (the plan's own included), the trainings valid then."""
        set_clock(T0)
        p = make_partner(operator, top_up_cents=1_100_000)  # silver, set by the operator
        customer = make_customer(p, segment="business")
        body = {"product": "dns-filter", "edition": "proplus", "term_months": 12, "seats": 300}
        change = {
            "key": "l",
            "action": "create",
            "type": "license",
            "inputs": {**body, "customer_id": customer["id"]},
        }
        train(operator, p, "two_day", "2026-11-02")
        result = plan(p, [change])  # one order: Bronze whatever the run-rate
        assert result["level"]["current"] == "silver"
        assert result["totals"]["monthly_after_cents"] == 300 * 138  # 414 EUR a month
        assert (result["level"]["next_month"], result["level"]["orders_after"]) == ("bronze", 1)
        assert result["level"]["next_month_reasons"] == [
            "run-rate makes it gold; 1 order in the last 6 months (2 needed) makes it bronze"
        ]
        operator.post(f"/v1/partners/{p.id}/addons", {"option": "api-calls-25k"}, expect=201)
        result = plan(p, [change])  # the pack bought before is an order too
        assert result["totals"]["monthly_before_cents"] == 5_500
        assert result["totals"]["monthly_after_cents"] == 5_500 + 300 * 138  # 469 EUR a month
        assert (result["level"]["next_month"], result["level"]["orders_after"]) == ("gold", 2)
        assert result["level"]["next_month_reasons"] == []
        # and the up does what the plan said: at the next run, gold
        p.write.post("/v1/licenses", {**body, "customer_id": customer["id"]}, expect=201)
        set_clock(datetime(2027, 4, 1, tzinfo=UTC))
        run_jobs(operator)
        assert p.read.get("/v1/me").json()["level"] == "gold"

    def test_refusals_name_the_change_and_never_answer_500(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        set_clock(T0)
        p = make_partner(operator, top_up_cents=110_000)
        lic = school_license(p, seats=10)
        other = make_partner(operator, top_up_cents=110_000)
        foreign = school_license(other, seats=10)
        result = plan(
            p,
            [
                {
                    "key": "a",
                    "action": "update",
                    "type": "license",
                    "id": foreign["id"],
                    "inputs": {"seats": 20},
                },
                {
                    "key": "b",
                    "action": "update",
                    "type": "license",
                    "id": lic["id"],
                    "inputs": {"edition": "pro-plus"},
                },
                {
                    "key": "c",
                    "action": "update",
                    "type": "license",
                    "id": lic["id"],
                    "inputs": {"seats": "many"},
                },
                {
                    "key": "d",
                    "action": "create",
                    "type": "license",
                    "customer": "nope",
                    "inputs": {},
                },
                {"key": "e", "action": "delete", "type": "license"},
            ],
        )
        codes = [c["refused"]["code"] for c in result["changes"]]
        assert codes == [
            "not_found",
            "validation_failed",
            "validation_failed",
            "validation_failed",
            "validation_failed",
        ]
        assert "edition" in result["changes"][1]["refused"]["detail"]
        assert other.read.get(f"/v1/licenses/{foreign['id']}").json()["seats"] == 10

    def test_a_bad_plan_body_is_a_422_naming_the_field(self, partner: PartnerHandle) -> None:
        r = partner.read.post(
            "/v1/plans", {"changes": [{"key": "x", "action": "explode", "type": "license"}]}
        )
        assert r.status_code == 422
        assert "changes.0.action" in r.json()["detail"]

    def test_a_stack_sized_plan_is_not_held_to_the_small_body_limit(
        self, operator: Caller, set_clock: SetClock
    ) -> None:
        """A plan carries a whole stack's changes (hundreds: well over the 64 KiB of other
        bodies); it has a limit of its own, and past it 413 like everything else."""
        set_clock(T0)
        p = make_partner(operator, top_up_cents=110_000)
        lic = school_license(p, seats=10)
        change = {
            "key": "urn:pulumi:prod::fleet::partnerfleet:index:License::school-" + "x" * 60,
            "action": "update",
            "type": "license",
            "id": lic["id"],
            "inputs": {"seats": 11},
        }
        changes = [{**change, "key": f"{change['key']}-{i}"} for i in range(600)]
        result = plan(p, changes)
        assert len(result["changes"]) == 600
        assert p.read.post("/v1/customers", {"name": "x" * 70_000}).status_code == 413
        huge = [{**change, "key": f"{i}-" + "k" * 480} for i in range(5_000)]  # over 2.5 MB
        huge += [{**change, "key": f"more-{i}-" + "k" * 480} for i in range(3_000)]
        answer = p.read.post("/v1/plans", {"changes": huge})
        assert (answer.status_code, answer.json()["code"]) == (413, "payload_too_large")


def test_after_a_refused_change_the_plan_prices_nothing_the_up_never_runs(
    operator: Caller, set_clock: SetClock
) -> None:
    """The engine deletes only after every create and update succeeded, and a license whose
    customer's create is refused is never created: such changes are not run (no forfeit, no
    charge); the others are priced as the up would apply them before it stops."""
    set_clock(T0)
    p = make_partner(operator, top_up_cents=110_000)
    kept = school_license(p, seats=10)
    gone = school_license(p, seats=10)
    changes: list[dict[str, Any]] = [
        {
            "key": "raise",
            "action": "update",
            "type": "license",
            "id": kept["id"],
            "inputs": {"seats": 20},
        },
        {"key": "gone", "action": "delete", "type": "license", "id": gone["id"], "at_end": True},
        {
            "key": "big",
            "action": "create",
            "type": "license",
            "inputs": {
                "customer_id": kept["customer_id"],
                "product": "dns-filter",
                "edition": "proplus",
                "term_months": 60,
                "seats": 5_000,
            },
        },
        {
            "key": "org",
            "action": "create",
            "type": "customer",
            "inputs": {
                "name": "X",
                "segment": "school",
                "country": "DE",
                "contact_email": "a@b.example",
            },
        },
        {
            "key": "its-license",
            "action": "create",
            "type": "license",
            "customer": "org",
            "inputs": {"product": "dns-filter", "edition": "pro", "term_months": 12, "seats": 5},
        },
    ]
    result = plan(p, changes)
    by_key = {c["key"]: c for c in result["changes"]}
    assert by_key["big"]["refused"]["code"] == "insufficient_credit"
    assert by_key["raise"]["charge_now_cents"] > 0 and not by_key["raise"]["skipped"]
    assert by_key["gone"]["skipped"] and by_key["gone"]["forfeit_cents"] == 0
    assert "never runs" in by_key["gone"]["notes"][0]
    assert result["totals"]["forfeit_cents"] == 0
    # a customer refused (the suspended partner's rule is one way; here: bad input)
    bad_org = [
        {**changes[3], "inputs": {**changes[3]["inputs"], "country": "Germany"}},
        changes[4],
    ]
    result = plan(p, bad_org)
    assert result["changes"][0]["refused"] is not None
    assert result["changes"][1]["skipped"] and result["changes"][1]["refused"] is None
    assert result["quota"]["calls_needed"] == 1  # the refused create; the license: never sent
