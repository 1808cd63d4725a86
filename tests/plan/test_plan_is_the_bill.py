"""The plan is the bill: sequences of fleet changes (seats up and down, editions, terms, new
and removed licenses, trials, add-ons, the support level, ended customers, top-ups and time
moving between them) are planned, then applied one by one through the API at the same
moment. Every charge in the ledger equals the plan's figure to the cent, nominal and net; a
change the plan calls refused is refused; the wallet after equals the plan's; the monthly
run-rate after (the overview's, the level's) equals the plan's total, whose lines add up to
it."""

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.support.api import Caller, PartnerHandle, SetClock, all_items, ledger, make_partner
from tests.support.plan import apply, plan

START = datetime(2027, 5, 3, 9, 30, tzinfo=UTC)
SEGMENTS = ("business", "public_admin", "school")
TERMS = (1, 12, 24, 36, 48, 60)
OPTIONS = ("premium-support", "white-label", "api-calls-25k", "api-calls-50k", "data-export-raw")

new_license = st.tuples(
    st.just("new_license"),
    st.sampled_from(SEGMENTS),
    st.sampled_from(("pro", "proplus")),
    st.sampled_from(TERMS),
    st.integers(1, 900),
    st.booleans(),
)
usage_license = st.tuples(st.just("usage_license"), st.sampled_from(("mail", "firewall")))
more_on_customer = st.tuples(
    st.just("license_on_customer"), st.integers(0, 20), st.sampled_from(TERMS), st.integers(1, 500)
)
seats = st.tuples(st.just("seats"), st.integers(0, 20), st.integers(1, 1200))
edition = st.tuples(st.just("edition"), st.integers(0, 20), st.sampled_from(("pro", "proplus")))
term = st.tuples(st.just("term"), st.integers(0, 20), st.sampled_from(TERMS))
auto_renew = st.tuples(st.just("auto_renew"), st.integers(0, 20), st.booleans())
cancel = st.tuples(st.just("cancel"), st.integers(0, 20))
addon = st.tuples(st.just("addon"), st.sampled_from(OPTIONS))
addon_cancel = st.tuples(st.just("addon_cancel"), st.integers(0, 20))
support = st.tuples(st.just("support"), st.sampled_from(("basic", "premium")))
end_customer = st.tuples(st.just("end_customer"), st.integers(0, 20))
change = st.one_of(
    new_license,
    usage_license,
    more_on_customer,
    seats,
    seats,
    edition,
    term,
    auto_renew,
    cancel,
    addon,
    addon_cancel,
    support,
    end_customer,
)
step = st.tuples(
    st.integers(0, 200),  # days to move on
    st.one_of(st.none(), st.sampled_from((100, 20_000, 300_000))),  # a top-up first
    st.lists(change, min_size=1, max_size=4),
    # a customer's choice of who pays, made before the plan (the customer's, not the fleet's)
    st.one_of(st.none(), st.tuples(st.integers(0, 20), st.sampled_from(("customer", "partner")))),
)


class Fleet:
    """What exists so far, as the API created it."""

    def __init__(self) -> None:
        self.customers: list[str] = []
        self.licenses: list[str] = []
        self.addons: list[str] = []
        self.counter = 0

    def key(self) -> str:
        self.counter += 1
        return f"k{self.counter}"

    def changes(self, spec: tuple[Any, ...]) -> list[dict[str, Any]]:
        """The plan's changes for one generated spec (none when it names nothing existing)."""
        kind = spec[0]
        if kind == "new_license":
            return self._new_license(*spec[1:])
        if kind in ("usage_license", "license_on_customer", "end_customer"):
            if not self.customers:
                return []
            if kind == "usage_license":
                return self._usage_license(spec[1])
            if kind == "end_customer":
                return self._end_customer(spec[1])
            return self._license_on_customer(*spec[1:])
        if kind in ("seats", "edition", "term", "auto_renew", "cancel"):
            if not self.licenses:
                return []
            return self._license_change(kind, self.licenses[spec[1] % len(self.licenses)], spec)
        if kind == "addon":
            inputs = {"option": spec[1]}
            return [{"key": self.key(), "action": "create", "type": "addon", "inputs": inputs}]
        if kind == "addon_cancel":
            if not self.addons:
                return []
            target = self.addons[spec[1] % len(self.addons)]
            return [{"key": self.key(), "action": "delete", "type": "addon", "id": target}]
        inputs = {"support_level": spec[1]}
        return [{"key": self.key(), "action": "update", "type": "support", "inputs": inputs}]

    def _new_license(
        self, segment: str, edition_: str, term_: int, seats_: int, trial: bool
    ) -> list[dict[str, Any]]:
        org = self.key()
        customer = {
            "name": f"Org {org}",
            "segment": segment,
            "country": "DE",
            "contact_email": "it@org.example",
        }
        body = {"product": "dns-filter", "edition": edition_, "term_months": term_}
        return [
            {"key": org, "action": "create", "type": "customer", "inputs": customer},
            {
                "key": self.key(),
                "action": "create",
                "type": "license",
                "customer": org,
                "inputs": {**body, "seats": seats_, "trial": trial},
            },
        ]

    def _usage_license(self, product: str) -> list[dict[str, Any]]:
        body = {"product": product, "edition": "standard", "customer_id": self.customers[-1]}
        return [{"key": self.key(), "action": "create", "type": "license", "inputs": body}]

    def _license_on_customer(self, which: int, term_: int, seats_: int) -> list[dict[str, Any]]:
        body = {
            "customer_id": self.customers[which % len(self.customers)],
            "product": "dns-filter",
            "edition": "pro",
            "term_months": term_,
            "seats": seats_,
        }
        return [{"key": self.key(), "action": "create", "type": "license", "inputs": body}]

    def _end_customer(self, which: int) -> list[dict[str, Any]]:
        target = self.customers[which % len(self.customers)]
        return [{"key": self.key(), "action": "delete", "type": "customer", "id": target}]

    def _license_change(self, kind: str, lic: str, spec: tuple[Any, ...]) -> list[dict[str, Any]]:
        if kind == "cancel":
            return [{"key": self.key(), "action": "delete", "type": "license", "id": lic}]
        field = {"seats": "seats", "edition": "edition", "term": "term_months"}.get(kind, kind)
        inputs = {field: spec[2]}
        return [
            {"key": self.key(), "action": "update", "type": "license", "id": lic, "inputs": inputs}
        ]

    def created(self, change_: dict[str, Any], new_id: str) -> None:
        {"customer": self.customers, "license": self.licenses, "addon": self.addons}[
            change_["type"]
        ].append(new_id)


def _invoices(operator: Caller, p: PartnerHandle) -> list[dict[str, Any]]:
    return all_items(operator, "/v1/invoices", partner_id=p.id)


def _applied(
    operator: Caller, p: PartnerHandle, change_: dict[str, Any], created: dict[str, str]
) -> tuple[int, int, int, int, int]:
    """Apply one change: (HTTP status, nominal charged, net charged, invoiced to the
    customer, the cashback that invoice promises)."""
    before, issued = len(ledger(p.read)), len(_invoices(operator, p))
    response = apply(p, change_, created)
    drawn = [
        e
        for e in ledger(p.read)[before:]
        if e["kind"] in ("charge", "adjustment", "cashback_reversal")
    ]
    nominal = -sum(e["amount_cents"] for e in drawn)
    net = -sum(e["net_cents"] for e in drawn)
    invoiced = _invoices(operator, p)[issued:]
    return (
        response.status_code,
        nominal,
        net,
        sum(i["amount_cents"] for i in invoiced),
        sum(i["cashback_cents"] for i in invoiced),
    )


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first_top_up=st.sampled_from((55_000, 110_000, 550_000)),
    steps=st.lists(step, min_size=1, max_size=6),
)
# Found by this test: premium support cancelled in the plan that bought it still counts in the
# run-rate until its month ends; the plan's line said it did not.
@example(
    first_top_up=55_000, steps=[(0, None, [("support", "premium"), ("support", "basic")], None)]
)
# Both payers in one plan: a customer that pays for itself, invoiced, beside one that does not.
@example(
    first_top_up=110_000,
    steps=[
        (0, None, [("new_license", "school", "pro", 12, 50, False)], None),
        (
            3,
            None,
            [("seats", 0, 80), ("new_license", "business", "proplus", 1, 5, False)],
            (0, "customer"),
        ),
    ],
)
def test_what_the_plan_says_is_what_the_ledger_records(
    operator: Caller,
    set_clock: SetClock,
    first_top_up: int,
    steps: list[tuple[int, int | None, list[tuple[Any, ...]], tuple[int, str] | None]],
) -> None:
    now = START
    set_clock(now)
    p = make_partner(operator, top_up_cents=first_top_up)
    fleet = Fleet()
    for days, top_up, specs, payer in steps:
        now += timedelta(days=days)
        set_clock(now)
        if top_up:
            operator.post(f"/v1/partners/{p.id}/top-ups", {"amount_cents": top_up}, expect=201)
        if payer is not None and fleet.customers:
            org = fleet.customers[payer[0] % len(fleet.customers)]
            grant = f"/v1/partners/{p.id}/customers/{org}/grant"
            answer = operator.patch(grant, {"payer": payer[1]})
            assert answer.status_code in (200, 404)  # 404: an org ended before
        changes = [c for spec in specs for c in fleet.changes(spec)]
        if not changes:
            continue
        planned = plan(p, changes)
        created: dict[str, str] = {}
        for change_, priced in zip(changes, planned["changes"], strict=True):
            status, nominal, net, invoiced, cashback = _applied(operator, p, change_, created)
            where = f"{change_} planned as {priced}"
            if priced["refused"] is not None:
                assert status >= 400, where
                assert status == {"insufficient_credit": 402}.get(priced["refused"]["code"], status)
                assert (nominal, net, invoiced) == (0, 0, 0), where
                continue
            assert status < 300, f"{where}: {status}"
            assert (nominal, net) == (priced["charge_now_cents"], priced["charge_now_net_cents"]), (
                where
            )
            assert (invoiced, cashback) == (priced["invoiced_cents"], priced["cashback_cents"]), (
                where
            )
            assert priced["payer"] == ("customer" if invoiced else "partner"), where
            if change_["action"] == "create" and change_["key"] in created:
                fleet.created(change_, created[change_["key"]])
        wallet = p.read.get("/v1/wallet").json()
        assert wallet["balance_cents"] == planned["wallet"]["balance_after_cents"]
        assert wallet["available_cents"] == planned["wallet"]["available_after_cents"]
        totals = planned["totals"]
        lines = sum(
            c["monthly_after_cents"] - c["monthly_before_cents"] for c in planned["changes"]
        )
        assert totals["monthly_after_cents"] == totals["monthly_before_cents"] + lines
        level = p.read.get("/v1/overview").json()["level"]
        assert level["monthly_run_rate_cents"] == totals["monthly_after_cents"], planned
