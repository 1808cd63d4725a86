"""An invoice settles once when confirmations race (ten at once through the served backend,
4 workers): on PostgreSQL the guarded UPDATE of the open row decides, so one confirmation
credits the cashback and the others answer 409; a payment racing voids leaves the wallet as
the invoice's last state says."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.api import (
    Caller,
    keep_level,
    ledger,
    license_body,
    make_customer,
    make_partner,
)
from tests.support.race import race

pytestmark = pytest.mark.slow
RACERS = 10


def _open_invoice(live_operator: Caller) -> tuple[Any, dict[str, Any]]:
    p = make_partner(live_operator, top_up_cents=550_000)
    org = make_customer(p)
    live_operator.patch(
        f"/v1/partners/{p.id}/customers/{org['id']}/grant", {"payer": "customer"}, expect=200
    )
    p.write.post("/v1/licenses", license_body(org["id"]), expect=201)
    (invoice,) = live_operator.get("/v1/invoices", params={"customer_id": org["id"]}).json()[
        "items"
    ]
    return p, invoice


def _balance(p: Any) -> int:
    return int(p.read.get("/v1/wallet").json()["balance_cents"])


def test_ten_confirmations_at_once_credit_the_cashback_once(live_operator: Caller) -> None:
    p, invoice = _open_invoice(live_operator)
    before = _balance(p)
    pay = f"/v1/invoices/{invoice['id']}/payment"
    answers = race(live_operator, [lambda c: c.post(pay, {})] * RACERS)
    assert answers == Counter({(200, ""): 1, (409, "invoice_settled"): RACERS - 1})
    assert [e["kind"] for e in ledger(p.read)].count("cashback") == 1
    assert _balance(p) == before + invoice["cashback_cents"]


def test_payments_racing_voids_leave_the_wallet_as_the_invoice_ends(
    live_operator: Caller,
) -> None:
    p, invoice = _open_invoice(live_operator)
    before = _balance(p)
    pay = f"/v1/invoices/{invoice['id']}/payment"
    void = f"/v1/invoices/{invoice['id']}/void"
    sends = [lambda c: c.post(pay, {}), lambda c: c.post(void, {"reason": "race"})] * (RACERS // 2)
    answers = race(live_operator, sends)
    assert set(answers) <= {(200, ""), (409, "invoice_settled")}
    final = live_operator.get(f"/v1/invoices/{invoice['id']}").json()
    kinds = [e["kind"] for e in ledger(p.read)]
    assert kinds.count("cashback") <= 1 and kinds.count("cashback_reversal") <= 1
    # paid: the cashback is in; void: it never came or was taken back
    assert _balance(p) == before + (invoice["cashback_cents"] if final["status"] == "paid" else 0)
    assert kinds.count("cashback") - kinds.count("cashback_reversal") == (
        1 if final["status"] == "paid" else 0
    )


def test_a_payment_racing_the_lapse_gives_one_outcome(live_operator: Caller) -> None:
    start = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    live_operator.put("/v1/clock", {"now": start.isoformat()}, expect=200)
    p, invoice = _open_invoice(live_operator)
    before = _balance(p)
    later = start + timedelta(days=31)
    live_operator.put("/v1/clock", {"now": later.isoformat()}, expect=200)
    pay = f"/v1/invoices/{invoice['id']}/payment"
    sends = [lambda c: c.post(pay, {})] * (RACERS - 1) + [lambda c: c.post("/v1/jobs/run", {})]
    answers = race(live_operator, sends)
    keep_level(live_operator, p)  # the run's monthly levels left it without API calls
    final = live_operator.get(f"/v1/invoices/{invoice['id']}").json()
    status = p.read.get(f"/v1/licenses/{invoice['object_id']}").json()["status"]
    paid = sum(n for (code, _), n in answers.items() if code == 200) - 1  # the run's own 200
    if final["status"] == "paid":  # the payment came first: the license stays, cashback once
        assert (paid, status) == (1, "active")
        assert _balance(p) == before + invoice["cashback_cents"]
    else:  # the lapse came first: every payment refused, nothing credited
        assert (final["status"], paid, status) == ("void", 0, "lapsed")
        assert _balance(p) == before
