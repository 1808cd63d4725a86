"""Never lapse by accident (issue 27): a top-up rule asks for credit (below a threshold, or
before renewals the credit cannot pay), the operator settles the request once it is paid, a
renewal waits up to 7 days for it instead of lapsing; every bought top-up has a numbered
invoice. The invoice mail through SMTP: tests/mail/test_mail.py."""

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.api import (
    Caller,
    PartnerHandle,
    SetClock,
    all_items,
    as_vendor,
    extend_credit,
    keep_level,
    ledger,
    make_partner,
    run_jobs,
    school_license,
)

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # a 12-month term ends 2028-03-01


def requests_of(p: PartnerHandle) -> list[dict[str, Any]]:
    return all_items(p.read, "/v1/top-up-requests")


def notes(p: PartnerHandle) -> list[tuple[str, str | None]]:
    return [
        (n["kind"], (n.get("data") or {}).get("license_id"))
        for n in all_items(p.read, "/v1/notifications")
    ]


def test_the_rule_is_the_partners_own_and_bad_input_names_the_field(
    operator: Caller, partner: PartnerHandle
) -> None:
    assert partner.read.get("/v1/me/top-up-rule").status_code == 404
    bad = partner.write.put("/v1/me/top-up-rule", {"amount_cents": 50})
    assert bad.status_code == 422 and "amount_cents" in bad.text
    rule = {"amount_cents": 110_000, "threshold_cents": 20_000, "before_renewal": False}
    set_ = partner.write.put("/v1/me/top-up-rule", rule, expect=200).json()
    assert {k: set_[k] for k in rule} == rule
    assert partner.read.get("/v1/me/top-up-rule").json()["amount_cents"] == 110_000
    assert partner.read.put("/v1/me/top-up-rule", rule).status_code == 403  # a read key
    partner.write.delete("/v1/me/top-up-rule", expect=204)
    assert partner.read.get("/v1/me/top-up-rule").status_code == 404


def test_below_the_threshold_one_request_waits_and_the_operator_settles_it_once(
    operator: Caller, set_clock: SetClock
) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=55_000)  # 550 EUR
    p.write.put(
        "/v1/me/top-up-rule",
        {"amount_cents": 110_000, "threshold_cents": 30_000, "before_renewal": False},
        expect=200,
    )
    run_jobs(operator)
    assert requests_of(p) == []  # 550 EUR is above the threshold
    school_license(p, seats=100)  # 336 EUR: 214 EUR left
    run_jobs(operator)
    run_jobs(operator)
    (asked,) = requests_of(p)
    assert (asked["status"], asked["requested_by"], asked["amount_cents"]) == (
        "requested",
        "rule",
        110_000,
    )
    assert "below 300.00 EUR" in asked["reason"]
    assert ("top_up_requested", None) in notes(p)
    refused = p.write.post("/v1/top-up-requests", {"amount_cents": 55_000})
    assert (refused.status_code, refused.json()["code"]) == (409, "top_up_pending")
    assert [e["kind"] for e in ledger(p.read)] == ["top_up", "charge"]  # nothing bought yet

    settle = f"/v1/partners/{p.id}/top-up-requests/{asked['id']}/settlement"
    assert p.write.post(settle, {}).status_code == 403  # the operator's (or the payer's) only
    settled = operator.post(settle, {}, expect=200).json()
    assert settled["status"] == "settled" and settled["lot_id"]
    again = operator.post(settle, {})
    assert (again.status_code, again.json()["code"]) == (409, "top_up_settled")
    top_ups = [e for e in ledger(p.read) if e["kind"] == "top_up"]
    assert [e["amount_cents"] for e in top_ups] == [55_000, 110_000]
    invoices = all_items(p.read, "/v1/wallet/top-ups")
    assert [i["lot_id"] for i in invoices][-1] == settled["lot_id"]
    numbers = [i["invoice_number"] for i in invoices]
    assert all(n.startswith("TU-2027-") for n in numbers)
    assert int(numbers[1][-6:]) > int(numbers[0][-6:])  # one sequence, never twice
    assert invoices[1]["price_cents"] == 110_000 - 110_000 * 3_000 // 10_000  # 30 % bracket
    pdf = p.read.get(f"/v1/wallet/top-ups/{settled['lot_id']}/invoice.pdf", expect=200)
    assert pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    other = make_partner(operator, top_up_cents=55_000)
    assert other.read.get(f"/v1/wallet/top-ups/{settled['lot_id']}/invoice.pdf").status_code == 404


def test_a_renewal_the_credit_cannot_pay_waits_for_the_top_up(
    operator: Caller, set_clock: SetClock
) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=55_000)
    lic = school_license(p, seats=100)  # 336 EUR of 550: the renewal cannot be paid
    p.write.put("/v1/me/top-up-rule", {"amount_cents": 55_000}, expect=200)
    extend_credit(operator, p, set_clock, T0 + timedelta(days=300))
    set_clock(T0 + timedelta(days=360))  # the renewal is 6 days away
    run_jobs(operator)
    keep_level(operator, p)
    (asked,) = requests_of(p)
    assert "renewals of the next 7 days cost 336.00 EUR" in asked["reason"]

    set_clock(T0 + timedelta(days=366))  # the term ended, the top-up is not paid yet
    run_jobs(operator)
    keep_level(operator, p)
    waiting = p.read.get(f"/v1/licenses/{lic['id']}").json()
    assert waiting["status"] == "active"  # not lapsed
    assert ("renewal_waiting", lic["id"]) in notes(p)
    run_jobs(operator)  # still waiting, told once
    assert notes(p).count(("renewal_waiting", lic["id"])) == 1

    set_clock(T0 + timedelta(days=368))
    operator.post(f"/v1/partners/{p.id}/top-up-requests/{asked['id']}/settlement", {}, expect=200)
    run_jobs(operator)
    keep_level(operator, p)
    renewed = p.read.get(f"/v1/licenses/{lic['id']}").json()
    assert renewed["status"] == "active"
    assert renewed["ends_at"].startswith("2029-03-01")  # no gap: from the old term's end
    assert [e["kind"] for e in ledger(p.read)][-2:] == ["top_up", "charge"]


def test_after_seven_days_without_the_top_up_the_license_lapses(
    operator: Caller, set_clock: SetClock
) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=55_000)
    lic = school_license(p, seats=100)
    p.write.put("/v1/me/top-up-rule", {"amount_cents": 55_000}, expect=200)
    extend_credit(operator, p, set_clock, T0 + timedelta(days=300))
    set_clock(T0 + timedelta(days=366))
    run_jobs(operator)
    keep_level(operator, p)
    assert p.read.get(f"/v1/licenses/{lic['id']}").json()["status"] == "active"
    set_clock(T0 + timedelta(days=366 + 7))
    run_jobs(operator)
    reader = as_vendor(operator, p)
    assert reader.get(f"/v1/licenses/{lic['id']}").json()["status"] == "lapsed"
    events = all_items(reader, "/v1/audit-events", object_id=lic["id"])
    actions = [e["action"] for e in events]
    assert "license.renewal_waiting" in actions and actions[-1] == "license.lapsed"
