"""The partnership end to end (issue 24's 'done when'): the partner's fleet under the real
Pulumi engine against the served backend, the customer's admin in the portal, the operator
confirming the payment, the calendar renewing. Every money step to the cent."""

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from partnerfleet_backend.kit.money import div_round_half_up
from partnerfleet_backend.settings import Settings
from tests.portal.test_portal import signed_in
from tests.provider.test_fleet_e2e import fleet_stack
from tests.support.api import Caller, keep_level, ledger, make_partner, run_jobs
from tests.support.database import query
from tests.support.portal import PASSWORD, make_user
from tests.support.pulumi import PulumiWorkspace

pytestmark = [pytest.mark.engine, pytest.mark.slow]
T0 = datetime(2027, 6, 7, 9, 0, tzinfo=UTC)
SILVER_CASHBACK_BP = 2500


def _write_fleet(path: Path, licenses: list[dict[str, Any]]) -> None:
    org = {
        "reference": "kb-1",
        "name": "Kanzlei Berg",
        "segment": "business",
        "country": "DE",
        "contact_email": "it@kanzlei-berg.example",
        "licenses": licenses,
    }
    path.write_text(yaml.safe_dump({"customers": [org]}, sort_keys=False))


def _wallet(p: Any) -> int:
    return int(p.read.get("/v1/wallet", expect=200).json()["balance_cents"])


def test_the_partnership_from_request_to_ending(
    live_operator: Caller, client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    operator = live_operator
    operator.put("/v1/clock", {"now": T0.isoformat()}, expect=200)
    partner = make_partner(operator, top_up_cents=1_000_000, level="silver")
    fleet_file = tmp_path / "fleet.yaml"
    _write_fleet(fleet_file, [])
    workspace = PulumiWorkspace(tmp_path / "pulumi")
    stack = fleet_stack(workspace, operator.base, partner, fleet_file)
    stack.up()
    (org,) = partner.read.get("/v1/customers", params={"reference": "kb-1"}).json()["items"]
    cid = org["id"]

    # the customer's first admin signs in and narrows the access to one product: the next
    # preview shows no change (no permanent diff from the customer's choice)
    admin = signed_in(client, make_user(settings, "customer", "admin", customer_id=cid))
    page = f"/portal/c/{cid}/settings"
    form = {"contact_email": "it@kanzlei-berg.example", "access": "limited"}
    narrowed = admin.submit(page, {**form, "access_products": "dns-filter", "payer": "partner"})
    assert narrowed.status_code == 200, narrowed.text
    stack.refresh()
    assert set(stack.preview().changes) == {"same"}

    # the partner requests full access; the customer grants it, with its own means
    partner.write.post(
        f"/v1/customers/{cid}/access-requests", {"access": "full"}, expect=201
    ).json()
    granted = admin.submit(f"/portal/c/{cid}/access", {"decision": "grant", "access": "full"})
    assert granted.status_code == 200, granted.text
    own_means = admin.submit(page, {**form, "access": "full", "payer": "customer"})
    assert own_means.status_code == 200, own_means.text

    # the partner's up of a license for that customer invoices the customer, not the wallet
    before = _wallet(partner)
    entries = len(ledger(partner.read))
    license_ = {
        "product": "dns-filter",
        "edition": "pro",
        "term_months": 1,
        "seats": 40,
        "reference": "kb-1-dns",
    }
    _write_fleet(fleet_file, [license_])
    stack.refresh()
    assert stack.up().changes.get("create") == 1
    assert _wallet(partner) == before and len(ledger(partner.read)) == entries
    (invoice,) = operator.get("/v1/invoices", params={"customer_id": cid}).json()["items"]
    (lic,) = partner.read.get("/v1/licenses", params={"reference": "kb-1-dns"}).json()["items"]
    assert invoice["object_id"] == lic["id"] and invoice["status"] == "open"
    assert invoice["cashback_bp"] == SILVER_CASHBACK_BP

    # paid: the cashback lands in the partner's wallet, to the cent
    operator.post(f"/v1/invoices/{invoice['id']}/payment", expect=200)
    cashback = div_round_half_up(invoice["amount_cents"] * SILVER_CASHBACK_BP, 10_000)
    assert cashback == invoice["cashback_cents"]
    assert _wallet(partner) == before + cashback
    assert [e["kind"] for e in ledger(partner.read)[entries:]] == ["cashback"]

    # the customer switches to the partner's means: the next renewal draws from the wallet
    switched = admin.submit(page, {**form, "access": "full", "payer": "partner"})
    assert switched.status_code == 200, switched.text
    funds = _wallet(partner)
    operator.put("/v1/clock", {"now": (T0 + timedelta(days=31)).isoformat()}, expect=200)
    run_jobs(operator)
    keep_level(operator, partner)
    renewals = [e for e in ledger(partner.read) if e["kind"] == "charge"]
    assert [e["object_id"] for e in renewals] == [lic["id"]]
    assert _wallet(partner) == funds + renewals[0]["amount_cents"]
    assert -renewals[0]["amount_cents"] == invoice["amount_cents"]  # one price, two payers
    assert len(operator.get("/v1/invoices", params={"customer_id": cid}).json()["items"]) == 1

    # the customer ends the partnership with its password: the license stays, unmanaged
    ended = admin.submit(f"/portal/c/{cid}/end", {"password": PASSWORD})
    assert ended.status_code == 200, ended.text
    kept = query(settings, "SELECT status, managed FROM licenses WHERE id = :i", i=lic["id"])
    assert kept == [{"status": "active", "managed": False}]
    trail = {
        e["action"]
        for e in operator.get(
            "/v1/audit-events", headers={"PartnerFleet-Partner-Id": partner.id}
        ).json()["items"]
    }
    assert {"customer.ended", "invoice.paid", "access.granted"} <= trail, trail
    shutil.rmtree(tmp_path / "pulumi", ignore_errors=True)
