"""`partnerfleet export` onboards an existing account: a fleet file written from what the
backend holds for an account of 150 customers, whose first `pulumi up` under the real engine
takes everything over and changes and charges nothing."""

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DB_KIND
from tests.provider.test_fleet_e2e import fleet_stack
from tests.support.api import Caller, PartnerHandle, all_items, ledger, make_partner
from tests.support.pulumi import PulumiWorkspace

pytestmark = [
    pytest.mark.engine,
    pytest.mark.slow,
    pytest.mark.skipif(DB_KIND != "sqlite", reason="runs with the engine tests"),
]
CUSTOMERS = 150  # an account of 300 took 40-80 s of the suite; the rules are the same at 150
SEGMENTS = ("school", "business", "public_admin")


def existing_account(operator: Caller) -> PartnerHandle:
    """An account built outside any program: customers, licenses (a pending decrease, a
    usage-billed one, a trial, one not renewing), a pack the vendor sold."""
    partner = make_partner(operator, top_up_cents=30_000_000)
    operator.post(f"/v1/partners/{partner.id}/addons", {"option": "api-calls-25k"}, expect=201)
    for i in range(CUSTOMERS):
        customer = partner.write.post(
            "/v1/customers",
            {
                "name": f"Kunde {i}",
                "segment": SEGMENTS[i % 3],
                "country": "DE",
                "contact_email": f"it{i}@kunde.example",
                "reference": f"crm-{i:04d}",
                **({"support_by": "vendor"} if i % 7 == 0 else {}),
                **(
                    {"access": "limited", "access_products": ["dns-filter", "mail"]}
                    if i % 13 == 1
                    else {}
                ),
            },
            expect=201,
        ).json()
        body: dict[str, Any] = {
            "customer_id": customer["id"],
            "product": "dns-filter",
            "edition": "proplus" if i % 2 else "pro",
            "term_months": (12, 24, 36, 1)[i % 4],
            "seats": 5 + i % 20,
            "reference": f"crm-{i:04d}-dns",
            **({"auto_renew": False} if i % 11 == 0 else {}),
            **({"trial": True} if i % 50 == 3 else {}),
        }
        lic = partner.write.post("/v1/licenses", body, expect=201).json()
        if i % 10 == 5 and body["term_months"] != 1 and not body.get("trial"):
            partner.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 3}, expect=200)
        if i % 25 == 0:
            usage = {"customer_id": customer["id"], "product": "mail", "edition": "standard"}
            partner.write.post(
                "/v1/licenses", {**usage, "reference": f"crm-{i:04d}-mail"}, expect=201
            )
    return partner


def snapshot(partner: PartnerHandle) -> tuple[Any, ...]:
    licenses = {
        x["id"]: (x["version"], x["seats"], x["seats_next_term"])
        for x in all_items(partner.read, "/v1/licenses")
    }
    customers = {x["id"]: x["version"] for x in all_items(partner.read, "/v1/customers")}
    return ledger(partner.read), licenses, customers


def test_an_exported_account_of_150_customers_is_adopted_with_no_change_and_no_charge(
    live_operator: Caller, tmp_path: Path
) -> None:
    partner = existing_account(live_operator)
    fleet_file = tmp_path / "fleet.yaml"
    stack = fleet_stack(
        PulumiWorkspace(tmp_path / "pulumi"), live_operator.base, partner, fleet_file
    )
    exported = subprocess.run(
        [str(Path(sys.executable).parent / "partnerfleet"), "export", "-o", str(fleet_file)],
        env={
            **stack.workspace.env(),
            "PARTNERFLEET_ENDPOINT": live_operator.base,
            "PARTNERFLEET_API_KEY": partner.read.key,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert exported.returncode == 0, exported.stderr
    licenses = CUSTOMERS + CUSTOMERS // 25
    assert f"{CUSTOMERS} customers, {licenses} licenses" in exported.stdout
    written = __import__("yaml").safe_load(fleet_file.read_text())["customers"]
    limited = [c for c in written if c.get("access") == "limited"]
    assert len(limited) == len(range(1, CUSTOMERS, 13))
    assert all(c["access_products"] == ["dns-filter", "mail"] for c in limited)

    before = snapshot(partner)
    up = stack.up()
    resources = CUSTOMERS + licenses + 4  # the add-on, the support level, the component, the stack
    assert up.changes == {"create": resources}  # taken over: created in the state only
    assert snapshot(partner) == before  # no field changed, nothing charged
    (pack,) = all_items(partner.read, "/v1/addons")
    assert pack["client_reference"]  # claimed by the fleet, not bought again
    assert stack.preview().changes == {"same": resources}
