"""Every change of money or entitlement has an audit event: who (a key, or the calendar),
what, when, and the request or run it came from."""

from datetime import UTC, datetime, timedelta
from typing import Any

from partnerfleet_backend.scheduler import run_due_jobs
from partnerfleet_backend.settings import Settings
from tests.support.api import (
    Caller,
    SetClock,
    all_items,
    keep_level,
    ledger,
    make_customer,
    make_partner,
    product_reports,
)

T0 = datetime(2031, 3, 10, tzinfo=UTC)


def events(caller: Caller) -> list[dict[str, Any]]:
    return all_items(caller, "/v1/audit-events")


def test_the_operator_s_money_is_audited(operator: Caller, set_clock: SetClock) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=55_000)
    customer = make_customer(p)
    p.write.post(
        "/v1/licenses",
        {
            "customer_id": customer["id"],
            "product": "dns-filter",
            "edition": "pro",
            "term_months": 12,
            "seats": 5,
        },
        expect=201,
    )
    charge = next(e for e in ledger(p.read) if e["kind"] == "charge")
    base = f"/v1/partners/{p.id}"
    operator.post(f"{base}/adjustments", {"amount_cents": 1_000, "reason": "goodwill"}, expect=201)
    operator.post(f"{base}/adjustments", {"amount_cents": -500, "reason": "fix"}, expect=201)
    operator.post(f"{base}/refunds", {"entry_id": charge["id"]}, expect=201)
    trail = events(p.read)
    money = [e for e in trail if e["object_type"] == "ledger_entry"]
    assert [e["action"] for e in money] == [
        "wallet.top_up",
        "wallet.charge",
        "wallet.adjustment",
        "wallet.adjustment",
        "wallet.refund",
    ]
    assert [e["after"]["amount_cents"] for e in money] == [
        55_000,
        charge["amount_cents"],
        1_000,
        -500,
        -charge["amount_cents"],
    ]
    entries = {e["id"]: e for e in ledger(p.read)}
    assert {e["object_id"] for e in money} == set(entries)  # one event per ledger entry
    assert all(e["actor"] == "key" and e["actor_key_id"] for e in money)
    assert all(e["request_id"] for e in money)


def test_the_calendar_s_changes_are_audited(
    operator: Caller, set_clock: SetClock, settings: Settings
) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=55_000)
    customer = make_customer(p)

    def buy(**extra: Any) -> dict[str, Any]:
        body = {
            "customer_id": customer["id"],
            "product": "dns-filter",
            "edition": "pro",
            "term_months": 1,
            "seats": 5,
            **extra,
        }
        result: dict[str, Any] = p.write.post("/v1/licenses", body, expect=201).json()
        return result

    renewing, ending = buy(), buy(auto_renew=False)
    trial = p.write.post(
        "/v1/licenses",
        {
            "customer_id": make_customer(p)["id"],
            "product": "dns-filter",
            "edition": "pro",
            "term_months": 12,
            "seats": 5,
            "trial": True,
        },
        expect=201,
    ).json()
    product_reports(p.read, trial["license_key"], 3)
    set_clock(T0 + timedelta(days=40))
    run_due_jobs(settings)  # as the scheduler runs it
    keep_level(operator, p)  # the month's level from usage has no API calls: give them back
    trail = events(p.read)
    by_object: dict[str, list[str]] = {}
    for event in trail:
        by_object.setdefault(event["object_id"], []).append(event["action"])
    assert "license.renewed" in by_object[renewing["id"]]
    assert "license.lapsed" in by_object[ending["id"]]
    assert "license.trial_converted" in by_object[trial["id"]]
    assert "usage.reported" in by_object[trial["id"]]
    calendar = [e for e in trail if e["actor"] == "calendar"]
    actions = {e["action"] for e in calendar}
    assert {"license.renewed", "license.lapsed", "license.trial_converted"} <= actions
    assert "wallet.charge" in actions  # the renewal's and the conversion's charges
    assert "partner.level_changed" in actions  # a new month: the level from the usage
    assert all(e["request_id"].startswith("run_") and e["actor_key_id"] is None for e in calendar)
    assert len({e["request_id"] for e in calendar}) == 1  # one run
    renewal = next(e for e in calendar if e["action"] == "license.renewed")
    assert renewal["before"]["ends_at"] < renewal["after"]["ends_at"]
