"""An undo within the grace window happens once when requests race (ten at once through the
served backend, 4 workers; on PostgreSQL truly at once): the license's row version lets one
write, the wallet's lock orders the refunds, and a unique index on what a refund refunds holds
whatever else."""

import pytest

from tests.support.api import Caller, PartnerHandle, ledger, license_body, make_customer
from tests.support.api import make_partner as new_partner
from tests.support.race import race

pytestmark = pytest.mark.slow
RACERS = 10


def _refunds(p: PartnerHandle) -> list[str]:
    return [e["refunds_entry_id"] for e in ledger(p.read) if e["kind"] == "refund"]


def _balance(p: PartnerHandle) -> int:
    return int(p.read.get("/v1/wallet").json()["balance_cents"])


def test_ten_set_backs_at_once_refund_the_increase_once(live_operator: Caller) -> None:
    p = new_partner(live_operator, top_up_cents=550_000)
    org = make_customer(p)
    lic = p.write.post("/v1/licenses", license_body(org["id"], seats=100), expect=201).json()
    path = f"/v1/licenses/{lic['id']}"
    before = _balance(p)
    p.write.patch(path, {"seats": 300}, expect=200)
    increase = ledger(p.read)[-1]
    answers = race(p.write, [lambda c: c.patch(path, {"seats": 100})] * RACERS)
    # one undoes it; the others find it undone (200, nothing more to do) or lose the row's
    # version to it (409): never a second refund
    assert (200, "") in answers and set(answers) <= {(200, ""), (409, "version_conflict")}
    assert _refunds(p) == [increase["id"]]
    assert _balance(p) == before
    assert p.read.get(path).json()["seats"] == 100


def test_cancels_racing_set_backs_refund_each_charge_once(live_operator: Caller) -> None:
    p = new_partner(live_operator, top_up_cents=550_000)
    before = _balance(p)
    org = make_customer(p)
    lic = p.write.post("/v1/licenses", license_body(org["id"], seats=100), expect=201).json()
    path = f"/v1/licenses/{lic['id']}"
    p.write.patch(path, {"seats": 300}, expect=200)
    bought = [e["id"] for e in ledger(p.read) if e["kind"] == "charge"]
    sends = [lambda c: c.delete(path), lambda c: c.patch(path, {"seats": 100})] * (RACERS // 2)
    answers = race(p.write, sends)
    # a set-back after the cancel: the license is not active
    assert {status for status, _ in answers} <= {200, 409}
    assert sorted(_refunds(p)) == sorted(bought)
    assert _balance(p) == before  # everything given back, nothing more


def test_ten_corrections_at_once_buy_the_right_count_once(live_operator: Caller) -> None:
    p = new_partner(live_operator, top_up_cents=550_000)
    before = _balance(p)
    org = make_customer(p)
    lic = p.write.post("/v1/licenses", license_body(org["id"], seats=1_000), expect=201).json()
    path = f"/v1/licenses/{lic['id']}"
    (wrong,) = [e["id"] for e in ledger(p.read) if e["kind"] == "charge"]
    answers = race(p.write, [lambda c: c.patch(path, {"seats": 100})] * RACERS)
    # one corrects it; the others find 100 seats already (nothing to do) or lose the row
    assert (200, "") in answers and set(answers) <= {(200, ""), (409, "version_conflict")}
    assert _refunds(p) == [wrong]
    charged = [e for e in ledger(p.read) if e["kind"] == "charge"]
    assert len(charged) == 2 and "corrects the purchase of" in charged[-1]["description"]
    assert _balance(p) == before + charged[-1]["amount_cents"]  # only the right count paid
    assert p.read.get(path).json()["seats"] == 100
