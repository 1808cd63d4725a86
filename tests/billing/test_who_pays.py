"""Who pays (SPEC: Partnerships and who pays): one price rule, two payers. An org that pays
for itself is invoiced the public price, nothing is drawn from the partner's wallet, and the
partner's cashback (by its level at the order) lands in its wallet when the invoice is paid."""

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from partnerfleet_backend.settings import Settings
from tests.reports.test_reports import text_of
from tests.support.api import (
    Caller,
    PartnerHandle,
    SetClock,
    keep_level,
    ledger,
    license_body,
    make_customer,
    make_partner,
    run_jobs,
)
from tests.support.database import query

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
RATES = {"bronze": 2_000, "silver": 2_500, "gold": 3_000, "platinum": 3_500}


def _grant(operator: Caller, p: PartnerHandle, org: dict[str, Any], **grant: Any) -> Any:
    return operator.patch(f"/v1/partners/{p.id}/customers/{org['id']}/grant", grant, expect=200)


def _wallet(p: PartnerHandle) -> int:
    return int(p.read.get("/v1/wallet").json()["balance_cents"])


def _invoices(operator: Caller, org: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = operator.get(
        "/v1/invoices", params={"customer_id": org["id"]}
    ).json()["items"]
    return items


def _half_up(cents: int, bp: int) -> int:
    return (cents * bp + 5_000) // 10_000


def test_one_price_two_payers_and_the_cashback_when_paid(
    operator: Caller, set_clock: SetClock
) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=550_000, level="silver")
    own = make_customer(p, name="Pays nothing itself")
    paying = make_customer(p, name="Pays for itself")
    assert paying["pays"] == "partner"  # an org a partner creates: the partner pays
    before = _wallet(p)
    p.write.post("/v1/licenses", license_body(own["id"]), expect=201)
    charged = before - _wallet(p)
    assert charged > 0

    granted = _grant(operator, p, paying, payer="customer").json()
    assert (granted["payer"], granted["pays"]) == ("customer", "customer")
    told = p.read.get("/v1/notifications").json()["items"]
    assert any(n["kind"] == "customer.payer_changed" for n in told)

    before = _wallet(p)
    lic = p.write.post("/v1/licenses", license_body(paying["id"]), expect=201).json()
    assert _wallet(p) == before  # nothing drawn from the partner's wallet
    (invoice,) = _invoices(operator, paying)
    assert invoice["amount_cents"] == charged  # the same price rule, the other payer
    assert (invoice["status"], invoice["object_id"]) == ("open", lic["id"])
    assert invoice["cashback_bp"] == RATES["silver"]
    assert invoice["cashback_cents"] == _half_up(charged, RATES["silver"])
    assert invoice["due_at"].startswith((T0 + timedelta(days=14)).date().isoformat())

    # a seat increase: invoiced pro rata, like a charge would be
    set_clock(T0 + timedelta(days=100))
    p.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 15}, expect=200)
    assert _wallet(p) == before
    increase = _invoices(operator, paying)[1]
    assert 0 < increase["amount_cents"] < charged

    # paid: the cashback lands, as a ledger entry and a lot of its own, valid 12 months
    entries = len(ledger(p.read))
    paid = operator.post(f"/v1/invoices/{invoice['id']}/payment", expect=200).json()
    assert paid["status"] == "paid"
    assert _wallet(p) == before + invoice["cashback_cents"]
    (cashback,) = ledger(p.read)[entries:]
    assert cashback["description"].startswith(f"cashback on invoice {invoice['number']} of Pays")
    assert (cashback["kind"], cashback["amount_cents"], cashback["net_cents"]) == (
        "cashback",
        invoice["cashback_cents"],
        0,
    )
    lots = p.read.get("/v1/wallet").json()["lots"]
    lot = next(x for x in lots if x["amount_cents"] == invoice["cashback_cents"])
    assert (lot["discount_bp"], lot["price_cents"]) == (10_000, 0)
    assert lot["expires_at"].startswith("2028-06-09")  # 12 months from the payment

    # the ledger's CSV names the customer of a cashback and who paid the order
    month = paid["paid_at"][:7]
    csv_text = p.read.get("/v1/exports/ledger.csv", params={"month": month}).text
    rows = list(csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"))))
    (back,) = [r for r in rows if r["kind"] == "cashback"]
    assert (back["customer"], back["payer"]) == ("Pays for itself", "customer")
    march = p.read.get("/v1/exports/ledger.csv", params={"month": f"{T0:%Y-%m}"}).text
    charges = [r for r in csv.DictReader(io.StringIO(march.lstrip("\ufeff")))]
    assert {r["payer"] for r in charges if r["kind"] == "charge"} == {"partner"}

    # the month's statement lists the cashback per customer and order
    statement = p.read.get(f"/v1/statements/{month}", expect=200).content
    words = " ".join(text_of(statement).split())
    assert "Cashback on what your customers paid" in words and "Pays for itself" in words
    assert f"{invoice['cashback_cents'] // 100}.{invoice['cashback_cents'] % 100:02d} EUR" in words

    # a second confirmation changes nothing
    again = operator.post(f"/v1/invoices/{invoice['id']}/payment", expect=409).json()
    assert again["code"] == "invoice_settled"
    assert _wallet(p) == before + invoice["cashback_cents"]

    # voided after it was paid: the cashback is taken back
    operator.post(f"/v1/invoices/{invoice['id']}/void", {"reason": "paid twice"}, expect=200)
    assert _wallet(p) == before
    assert ledger(p.read)[-1]["kind"] == "cashback_reversal"
    operator.post(f"/v1/invoices/{invoice['id']}/void", {"reason": "again"}, expect=409)

    # an open invoice voided: no cashback ever
    operator.post(f"/v1/invoices/{increase['id']}/void", {"reason": "goodwill"}, expect=200)
    operator.post(f"/v1/invoices/{increase['id']}/payment", expect=409)
    assert _wallet(p) == before

    # back to the partner's means: from the next order on, its wallet pays
    _grant(operator, p, paying, payer="partner")
    p.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 20}, expect=200)
    assert _wallet(p) < before
    assert len(_invoices(operator, paying)) == 2


def test_limited_access_means_the_customer_pays(operator: Caller, set_clock: SetClock) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=550_000, level="gold")
    org = make_customer(p)
    granted = _grant(operator, p, org, access="limited", access_products=["dns-filter"]).json()
    assert (granted["payer"], granted["pays"]) == ("partner", "customer")
    before = _wallet(p)
    p.write.post("/v1/licenses", license_body(org["id"]), expect=201)
    assert _wallet(p) == before
    (invoice,) = _invoices(operator, org)
    assert invoice["cashback_bp"] == RATES["gold"]


def test_only_the_customer_or_the_operator_chooses_who_pays(operator: Caller) -> None:
    p = make_partner(operator, top_up_cents=550_000)
    org = make_customer(p)
    refused = p.write.patch(f"/v1/customers/{org['id']}", {"payer": "customer"}, expect=403)
    assert (refused.json()["code"], refused.json()["field"]) == (
        "access_granted_by_customer",
        "payer",
    )
    assert "chooses who pays" in refused.json()["detail"]
    p.write.patch(f"/v1/customers/{org['id']}", {"payer": "partner"}, expect=200)  # no change
    for bad in ({"payer": "nobody"}, {"payer": None, "balance_cents": 1}):
        answer = operator.patch(f"/v1/partners/{p.id}/customers/{org['id']}/grant", bad)
        assert answer.status_code == 422
    # invoices are the operator's (and the customer's), never the partner's
    assert p.read.get("/v1/invoices").status_code == 403
    assert operator.get("/v1/invoices/inv_nothing").status_code == 404
    assert operator.post("/v1/invoices/inv_nothing/void", {}).status_code == 422


def test_the_plan_says_who_pays_and_is_the_bill_for_both(
    operator: Caller, set_clock: SetClock
) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=550_000, level="platinum")
    own = make_customer(p, name="Partner pays")
    paying = make_customer(p, name="Customer pays")
    _grant(operator, p, paying, payer="customer")
    changes = [
        {"key": k, "type": "license", "action": "create", "inputs": license_body(org["id"])}
        for k, org in (("mine", own), ("theirs", paying))
    ]
    planned = p.write.post("/v1/plans", {"changes": changes}, expect=200).json()
    mine, theirs = planned["changes"]
    assert (mine["payer"], mine["invoiced_cents"], mine["cashback_cents"]) == ("partner", 0, 0)
    assert (theirs["payer"], theirs["charge_now_cents"]) == ("customer", 0)
    assert theirs["invoiced_cents"] == mine["charge_now_cents"]
    assert theirs["cashback_cents"] == _half_up(theirs["invoiced_cents"], RATES["platinum"])
    assert planned["totals"]["invoiced_cents"] == theirs["invoiced_cents"]
    assert planned["wallet"]["balance_after_cents"] == _wallet(p) - mine["charge_now_cents"]
    assert _invoices(operator, paying) == []  # a plan changes nothing

    # the up does what the plan said, for both payers
    before = _wallet(p)
    for change in changes:
        p.write.post("/v1/licenses", change["inputs"], expect=201)
    assert _wallet(p) == before - mine["charge_now_cents"]
    (invoice,) = _invoices(operator, paying)
    assert (invoice["amount_cents"], invoice["cashback_cents"]) == (
        theirs["invoiced_cents"],
        theirs["cashback_cents"],
    )


def test_the_calendar_bills_renewals_and_trials_to_whoever_pays(
    operator: Caller, set_clock: SetClock
) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=550_000, level="silver")
    keep_level(operator, p)
    own = make_customer(p, name="Partner pays")
    paying = make_customer(p, name="Customer pays")
    _grant(operator, p, paying, payer="customer")
    monthly = {"term_months": 1}
    p.write.post("/v1/licenses", license_body(own["id"], **monthly), expect=201)
    theirs = p.write.post("/v1/licenses", license_body(paying["id"], **monthly), expect=201).json()
    trial = license_body(paying["id"], product="dns-filter", edition="pro", trial=True)
    p.write.post("/v1/licenses", trial, expect=201)
    (first,) = _invoices(operator, paying)
    operator.post(f"/v1/invoices/{first['id']}/payment", expect=200)  # else it lapses first
    entries, before = len(ledger(p.read)), _wallet(p)

    set_clock(T0 + timedelta(days=32))
    run_jobs(operator)
    keep_level(operator, p)
    charged = [e for e in ledger(p.read)[entries:] if e["kind"] == "charge"]
    # the partner's own renewal drew from its wallet; the customer's renewal was invoiced
    assert [e["object_type"] for e in charged] == ["license"]
    assert sum(-e["amount_cents"] for e in charged) == first["amount_cents"]
    assert _wallet(p) == before - first["amount_cents"]
    invoices = _invoices(operator, paying)
    renewal = next(i for i in invoices[1:] if i["object_id"] == theirs["id"])
    assert renewal["amount_cents"] == first["amount_cents"]
    assert p.read.get(f"/v1/licenses/{theirs['id']}").json()["status"] == "active"
    converted = [i for i in invoices if i["description"].startswith("trial converted")]
    assert [i["object_type"] for i in converted] == ["license"]  # the trial, invoiced too


def test_an_unpaid_invoice_is_chased_then_its_license_lapses(
    operator: Caller, set_clock: SetClock, settings: Settings
) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=550_000)
    org = make_customer(p)
    _grant(operator, p, org, payer="customer")
    lic = p.write.post("/v1/licenses", license_body(org["id"]), expect=201).json()
    (invoice,) = _invoices(operator, org)

    set_clock(T0 + timedelta(days=15))  # past due: the partner and the customer's contact told
    run_jobs(operator)
    keep_level(operator, p)
    kinds = [n["kind"] for n in p.read.get("/v1/notifications").json()["items"]]
    assert kinds.count("invoice_overdue") == kinds.count("customer_invoice_overdue") == 1
    mails = query(settings, "SELECT kind, to_address FROM outbox WHERE partner_id = :p", p=p.id)
    assert ("customer_invoice_overdue", org["contact_email"]) in {
        (m["kind"], m["to_address"]) for m in mails
    }
    run_jobs(operator)  # told once
    kinds = [n["kind"] for n in p.read.get("/v1/notifications").json()["items"]]
    assert kinds.count("invoice_overdue") == 1
    assert p.read.get(f"/v1/licenses/{lic['id']}").json()["status"] == "active"

    set_clock(T0 + timedelta(days=30))  # unpaid 30 days after issue: void, and the license lapses
    run_jobs(operator)
    keep_level(operator, p)
    assert operator.get(f"/v1/invoices/{invoice['id']}").json()["status"] == "void"
    assert p.read.get(f"/v1/licenses/{lic['id']}").json()["status"] == "lapsed"
    late = operator.post(f"/v1/invoices/{invoice['id']}/payment", expect=409).json()
    assert late["code"] == "invoice_settled"
    assert not [e for e in ledger(p.read) if e["kind"] == "cashback"]


def test_a_paid_invoice_keeps_its_license(operator: Caller, set_clock: SetClock) -> None:
    set_clock(T0)
    p = make_partner(operator, top_up_cents=550_000)
    org = make_customer(p)
    _grant(operator, p, org, payer="customer")
    lic = p.write.post("/v1/licenses", license_body(org["id"]), expect=201).json()
    (invoice,) = _invoices(operator, org)
    set_clock(T0 + timedelta(days=20))
    operator.post(f"/v1/invoices/{invoice['id']}/payment", expect=200)
    set_clock(T0 + timedelta(days=45))
    run_jobs(operator)
    keep_level(operator, p)
    assert p.read.get(f"/v1/licenses/{lic['id']}").json()["status"] == "active"
    assert operator.get(f"/v1/invoices/{invoice['id']}").json()["status"] == "paid"
