"""The provider end to end under the real Pulumi engine, against the served backend."""

import json
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from partnerfleet_backend.kit.money import div_round_half_up
from tests.support.api import Caller, PartnerHandle, all_items, ledger, make_partner
from tests.support.paths import PROGRAMS, ROOT
from tests.support.pulumi import PulumiWorkspace, Stack

T0 = datetime(2027, 2, 1, 10, 0, tzinfo=UTC)

pytestmark = [pytest.mark.engine, pytest.mark.slow]


def fleet_stack(
    workspace: PulumiWorkspace, base: str, partner: PartnerHandle, fleet_file: Path
) -> Stack:
    stack = workspace.stack(ROOT / "examples" / "fleet")
    stack.config("partnerfleet:endpoint", base)
    stack.config("partnerfleet:apiKey", partner.write.key, secret=True)
    stack.config("fleetFile", str(fleet_file))
    return stack


def used_calls(partner: PartnerHandle) -> int:
    """API calls counted so far this month (this read itself included)."""
    return int(partner.read.get("/v1/quota", expect=200).json()["used"])


def set_seats(fleet_file: Path, reference: str, seats: int) -> None:
    text = fleet_file.read_text()
    pattern = re.compile(rf"(seats: )\d+(\n        reference: {reference}\n)")
    new, count = pattern.subn(rf"\g<1>{seats}\g<2>", text)
    assert count == 1, reference
    fleet_file.write_text(new)


def license_by_reference(partner: PartnerHandle, reference: str) -> dict[str, Any]:
    items = partner.read.get("/v1/licenses", params={"reference": reference}).json()["items"]
    assert len(items) == 1
    found: dict[str, Any] = items[0]
    return found


def test_the_example_fleet_end_to_end(live_operator: Caller, tmp_path: Path) -> None:
    live_operator.put("/v1/clock", {"now": T0.isoformat()}, expect=200)
    partner = make_partner(live_operator, top_up_cents=6_000_000)  # the fleet costs ~53,700 EUR
    fleet_file = tmp_path / "fleet.yaml"
    shutil.copy(ROOT / "examples" / "fleet.yaml", fleet_file)
    workspace = PulumiWorkspace(tmp_path / "pulumi")
    stack = fleet_stack(workspace, live_operator.base, partner, fleet_file)

    # preview of a new fleet: ids of customer orgs are unknown until they exist
    assert stack.preview().changes == {"create": 38}

    # up: 14 customers, 20 licenses, one add-on, the support level, the component, the stack
    up = stack.up()
    assert up.changes == {"create": 38}
    assert len(all_items(partner.read, "/v1/customers")) == 14
    licenses = all_items(partner.read, "/v1/licenses")
    assert len(licenses) == 20 and {lic["status"] for lic in licenses} == {"active"}

    # preview right after: nothing to do, and not a single API call
    before = used_calls(partner)
    assert stack.preview().changes == {"same": 38}
    assert used_calls(partner) == before + 1  # only our own quota read

    # a seat increase mid-term shows in preview and up charges exactly the prorated amount
    now = T0 + timedelta(days=100)
    live_operator.put("/v1/clock", {"now": now.isoformat()}, expect=200)
    set_seats(fleet_file, "crm-1001-dns", 450)
    assert stack.preview().changes == {"same": 37, "update": 1}
    stack.up()
    lic = license_by_reference(partner, "crm-1001-dns")
    assert lic["seats"] == 450
    starts, ends = (datetime.fromisoformat(lic[k]).date() for k in ("starts_at", "ends_at"))
    expected = div_round_half_up(50 * 28 * 12 * (ends - now.date()).days, (ends - starts).days)
    assert -ledger(partner.read)[-1]["amount_cents"] == expected

    # a change made in the vendor's dashboard is found by refresh and undone by up
    partner.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 300}, expect=200)
    stack.refresh()
    assert stack.preview().changes == {"same": 37, "update": 1}
    stack.up()
    lic = license_by_reference(partner, "crm-1001-dns")
    assert (lic["seats"], lic["seats_next_term"]) == (450, None)

    # a decrease mid-term: no refund, the next term's seats show, and nothing stays pending
    charges = len(ledger(partner.read))
    set_seats(fleet_file, "crm-1002-dns", 500)
    stack.up()
    lic = license_by_reference(partner, "crm-1002-dns")
    assert (lic["seats"], lic["seats_next_term"]) == (650, 500)
    assert len(ledger(partner.read)) == charges
    assert stack.preview().changes == {"same": 38}

    # the key is nowhere in the state
    assert partner.write.key not in stack.state_text()

    # destroy: every license cancelled, every customer ended
    assert stack.destroy().changes == {"delete": 38}
    assert all_items(partner.read, "/v1/customers") == []
    assert {lic["status"] for lic in all_items(partner.read, "/v1/licenses")} <= {"cancelled"}


def test_a_bad_fleet_file_fails_at_preview_naming_file_customer_and_field(
    live_operator: Caller, tmp_path: Path
) -> None:
    partner = make_partner(live_operator, top_up_cents=55_000)
    fleet_file = tmp_path / "fleet.yaml"
    text = (ROOT / "examples" / "fleet.yaml").read_text()
    fleet_file.write_text(
        text.replace(
            "edition: pro\n        term_months: 24", "edition: pro-plus\n        term_months: 24", 1
        )
    )
    stack = fleet_stack(
        PulumiWorkspace(tmp_path / "pulumi"), live_operator.base, partner, fleet_file
    )
    before = used_calls(partner)
    result = stack.preview(check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert (
        f"{fleet_file}:30: customer 'crm-1002' (Gymnasium am Stadtpark): "
        "licenses[0].edition: edition 'pro-plus' is not one of pro, proplus" in output
    )
    assert "Traceback" not in output
    assert used_calls(partner) == before + 1
    # the review says the same, not the engine's closing "preview failed"
    planned = subprocess.run(
        [
            str(Path(sys.executable).parent / "partnerfleet"),
            "plan",
            "--cwd",
            str(stack.program),
            "--stack",
            stack.name,
        ],
        env={**stack.workspace.env(), "PARTNERFLEET_API_KEY": partner.read.key},
        capture_output=True,
        text=True,
        check=False,
    )
    assert planned.returncode == 2
    assert "edition 'pro-plus' is not one of pro, proplus" in planned.stderr, planned.stderr


def test_hundreds_of_resources_and_the_call_economy(live_operator: Caller, tmp_path: Path) -> None:
    partner = make_partner(live_operator)
    workspace = PulumiWorkspace(tmp_path / "pulumi", {"PULUMI_SKIP_CHECKPOINTS": "true"})
    stack = workspace.stack(PROGRAMS / "scale")
    stack.config("partnerfleet:endpoint", live_operator.base)
    stack.config("partnerfleet:apiKey", partner.write.key, secret=True)
    n = 200  # 2,000 and more: bench/preview.py
    stack.config("count", str(n))

    calls = used_calls(partner)

    def spent() -> int:
        """Calls since the last measurement, less the quota read itself."""
        nonlocal calls
        now = used_calls(partner)
        spent, calls = now - calls - 1, now
        return spent

    assert stack.up().changes == {"create": n + 1}
    assert spent() <= n + n // 50 + 10

    assert stack.preview().changes == {"same": n + 1}
    assert spent() == 0

    stack.refresh()
    assert spent() <= n // 50 + 10

    k = 7
    stack.config("renamed", str(k))
    assert stack.preview().changes == {"same": n + 1 - k, "update": k}
    assert spent() == 0
    planned = subprocess.run(
        [str(Path(sys.executable).parent / "partnerfleet"), "plan", "--format", "json"],
        cwd=stack.program,
        env={**workspace.env(), "PARTNERFLEET_API_KEY": partner.read.key},
        capture_output=True,
        text=True,
        check=False,
    )
    assert planned.returncode == 0, planned.stderr
    assert len(json.loads(planned.stdout)["plan"]["changes"]) == k
    assert spent() == 1  # one plan, whatever the size of the stack and the change
    assert stack.up().changes == {"same": n + 1 - k, "update": k}
    assert spent() <= k + n // 50 + 10


def test_the_basic_example_runs(live_operator: Caller, tmp_path: Path) -> None:
    bought = datetime(2027, 3, 15, 9, 0, tzinfo=UTC)
    live_operator.put("/v1/clock", {"now": bought.isoformat()}, expect=200)
    partner = make_partner(live_operator, top_up_cents=110_000)
    stack = PulumiWorkspace(tmp_path / "pulumi").stack(ROOT / "examples" / "basic")
    stack.config("partnerfleet:endpoint", live_operator.base)
    stack.config("partnerfleet:apiKey", partner.write.key, secret=True)
    assert stack.preview().changes == {"create": 6}
    stack.up()
    outputs = stack.outputs()
    assert outputs["license_key"].startswith("PF-") and outputs["seats"] == 100
    assert outputs["level"] == "silver"
    # past the grace window: fewer seats wait for the renewal (within it they would correct
    # the purchase now)
    live_operator.put("/v1/clock", {"now": (bought + timedelta(days=8)).isoformat()})
    stack.config("seats", "80")
    stack.up()
    assert stack.outputs()["seats_next_term"] == 80
    assert stack.preview().changes == {"same": 6}
    assert stack.destroy().changes == {"delete": 6}
