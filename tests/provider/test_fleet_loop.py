"""The fleet loop in daily use, under the real engine: ordinary events between two runs never
make `up` fail, and a real conflict still does."""

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from partnerfleet_backend.kit.money import div_round_half_up
from tests.provider.test_fleet_e2e import fleet_stack, license_by_reference, set_seats
from tests.support.api import (
    Caller,
    PartnerHandle,
    all_items,
    ledger,
    make_partner,
    product_reports,
)
from tests.support.paths import ROOT
from tests.support.plan import charged
from tests.support.pulumi import PulumiWorkspace, Stack

T0 = datetime(2027, 2, 1, 10, 0, tzinfo=UTC)

pytestmark = [pytest.mark.engine, pytest.mark.slow]


@pytest.fixture
def fleet(live_operator: Caller, tmp_path: Path) -> tuple[PartnerHandle, Stack, Path]:
    live_operator.put("/v1/clock", {"now": T0.isoformat()}, expect=200)
    partner = make_partner(live_operator, top_up_cents=6_000_000)
    fleet_file = tmp_path / "fleet.yaml"
    shutil.copy(ROOT / "examples" / "fleet.yaml", fleet_file)
    stack = fleet_stack(
        PulumiWorkspace(tmp_path / "pulumi"), live_operator.base, partner, fleet_file
    )
    stack.up()
    return partner, stack, fleet_file


def test_renaming_a_customer_org_moves_its_licenses_without_a_reference_error(
    fleet: tuple[PartnerHandle, Stack, Path],
) -> None:
    partner, stack, fleet_file = fleet
    old = license_by_reference(partner, "crm-1003-dns")
    text = fleet_file.read_text().replace(
        "  - reference: crm-1003\n", "  - reference: crm-1003-neu\n", 1
    )
    fleet_file.write_text(text)
    result = stack.up(check=False)
    assert result.returncode == 0, result.diagnostics
    assert result.changes == {"create": 1, "delete": 1, "replace": 1, "same": 36}
    moved = license_by_reference(partner, "crm-1003-dns")
    customers = {c["reference"]: c["id"] for c in all_items(partner.read, "/v1/customers")}
    assert moved["customer_id"] == customers["crm-1003-neu"] and "crm-1003" not in customers
    assert moved["id"] != old["id"] and moved["status"] == "active"
    events = all_items(partner.read, "/v1/audit-events", object_id=old["id"])
    assert [e["action"] for e in events][-1] == "license.cancelled"  # then left with its org
    assert stack.preview().changes == {"same": 38}


def test_usage_reports_and_a_calendar_run_between_preview_and_up_do_not_make_up_fail(
    fleet: tuple[PartnerHandle, Stack, Path], live_operator: Caller
) -> None:
    partner, stack, fleet_file = fleet
    set_seats(fleet_file, "crm-1001-dns", 450)
    assert stack.preview().changes == {"same": 37, "update": 1}
    lic = license_by_reference(partner, "crm-1001-dns")
    for day in range(1, 4):  # over its 400 seats on three days: the calendar flags it
        live_operator.put("/v1/clock", {"now": (T0 + timedelta(days=day)).isoformat()}, expect=200)
        product_reports(partner.write, lic["license_key"], 430)
        live_operator.post("/v1/jobs/run", {}, expect=200)
    flagged = partner.read.get(f"/v1/licenses/{lic['id']}").json()
    assert flagged["status"] == "over_limit" and flagged["version"] == lic["version"]
    since = len(ledger(partner.read))
    result = stack.up(check=False)
    assert result.returncode == 0, result.diagnostics
    raised = license_by_reference(partner, "crm-1001-dns")
    assert raised["seats"] == 450 and raised["version"] == lic["version"] + 1
    starts, ends = (datetime.fromisoformat(raised[k]).date() for k in ("starts_at", "ends_at"))
    expected = div_round_half_up(
        50 * 28 * 12 * (ends - (T0 + timedelta(days=3)).date()).days, (ends - starts).days
    )
    assert charged(partner, since)[1] == expected


def test_a_real_change_of_a_managed_field_still_stops_the_up_with_a_clear_message(
    fleet: tuple[PartnerHandle, Stack, Path],
) -> None:
    partner, stack, fleet_file = fleet
    lic = license_by_reference(partner, "crm-1002-dns")
    set_seats(fleet_file, "crm-1002-dns", 700)
    partner.write.patch(
        f"/v1/licenses/{lic['id']}", {"auto_renew": False}, expect=200
    )  # the dashboard
    result = stack.up(check=False)
    assert result.returncode != 0
    (message,) = [d for d in result.diagnostics if "crm-1002-dns" in d or lic["id"] in d]
    assert "changed" in message and "pulumi refresh" in message
    assert "Traceback" not in message


def test_a_refresh_without_drift_leaves_a_preview_with_no_change(
    fleet: tuple[PartnerHandle, Stack, Path],
) -> None:
    _partner, stack, fleet_file = fleet
    stack.refresh()
    assert stack.preview().changes == {"same": 38}
    set_seats(fleet_file, "crm-1001-dns", 450)
    (step,) = [s for v in stack.preview().values for s in v.get("steps", []) if s["op"] == "update"]
    old, new = step["oldState"]["inputs"], step["newState"]["inputs"]
    shown = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k) and k != "__provider"}
    assert shown == {"seats"}  # no "- auto_renew", "- trial" or "+ pf_identity" beside it


def test_a_fleet_adopts_the_add_on_and_support_the_vendor_already_sold_with_no_charge(
    live_operator: Caller, tmp_path: Path
) -> None:
    live_operator.put("/v1/clock", {"now": T0.isoformat()}, expect=200)
    partner = make_partner(live_operator, top_up_cents=6_000_000)
    for option in ("api-calls-25k", "premium-support"):  # sold by the vendor, outside the fleet
        live_operator.post(f"/v1/partners/{partner.id}/addons", {"option": option}, expect=201)
    fleet_file = tmp_path / "fleet.yaml"
    text = (ROOT / "examples" / "fleet.yaml").read_text()
    fleet_file.write_text(text.replace("support_level: basic\n", "support_level: premium\n", 1))
    stack = fleet_stack(
        PulumiWorkspace(tmp_path / "pulumi"), live_operator.base, partner, fleet_file
    )

    refused = stack.up(check=False)  # premium-support nobody manages: not without consent
    assert refused.returncode != 0
    assert any("support_adopt: true" in d for d in refused.diagnostics), refused.diagnostics

    fleet_file.write_text("support_adopt: true\n" + fleet_file.read_text())
    stack.up()
    addons = all_items(partner.read, "/v1/addons")
    assert sorted(a["option"] for a in addons) == ["api-calls-25k", "premium-support"]
    assert all(a["client_reference"] for a in addons)  # claimed by the fleet
    charged_addons = [e for e in ledger(partner.read) if e["object_type"] == "addon"]
    assert len(charged_addons) == 2  # the vendor's two sales; the fleet bought nothing again
    assert partner.read.get("/v1/support").json()["support_level"] == "premium"
    assert stack.preview().changes == {"same": 38}
