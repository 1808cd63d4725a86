"""Moving a Python stack from the dynamic provider to the plugin (docs/plugin.md, "Moving"):
the example fleet, made by the dynamic provider, is declared through the plugin's Fleet
instead; the up takes every resource over under its name (an update that calls nothing) and
the next preview shows no change. Nothing deleted, replaced, created or charged."""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.provider.test_fleet_e2e import (
    fleet_stack,
    license_by_reference,
    set_seats,
    used_calls,
)
from tests.support.api import Caller, PartnerHandle, all_items, ledger, make_partner
from tests.support.paths import ROOT
from tests.support.pulumi import PulumiWorkspace

pytestmark = [pytest.mark.engine, pytest.mark.slow]

THROUGH_THE_PLUGIN = '''"""The example fleet through the provider plugin."""
import pulumi
import pulumi_partnerfleet as partnerfleet

fleet = partnerfleet.Fleet("fleet", file=pulumi.Config().require("fleetFile"))
pulumi.export("licenses", fleet.license_count)
'''


def _held(partner: PartnerHandle) -> dict[str, Any]:
    """What the backend holds for the partner, by id."""
    return {
        item["id"]: item
        for path in ("/v1/customers", "/v1/licenses", "/v1/addons")
        for item in all_items(partner.read, path)
    }


def test_a_dynamic_fleet_moves_to_the_plugin(live_operator: Caller, tmp_path: Path) -> None:
    partner = make_partner(live_operator, top_up_cents=6_000_000)
    fleet_file = tmp_path / "fleet.yaml"
    fleet_file.write_text((ROOT / "examples" / "fleet.yaml").read_text())
    stack = fleet_stack(
        PulumiWorkspace(tmp_path / "pulumi"), live_operator.base, partner, fleet_file
    )
    stack.up()
    before = _held(partner)
    entries = len(ledger(partner.read))
    dynamic = {
        r["urn"].rsplit("::", 1)[-1]: r["id"]
        for r in json.loads(stack.cmd("stack", "export").stdout)["deployment"]["resources"]
        if r["type"].startswith("pulumi-python:dynamic/")
    }

    (stack.program / "__main__.py").write_text(THROUGH_THE_PLUGIN)
    # each resource taken over in place: no create, delete or replace
    assert stack.preview().changes == {"same": 2, "update": len(dynamic)}
    calls = used_calls(partner)
    assert stack.up().changes == {"same": 2, "update": len(dynamic)}
    assert used_calls(partner) == calls + 1  # the up asked the backend nothing
    assert len(ledger(partner.read)) == entries
    after = _held(partner)
    assert after == before
    resources = json.loads(stack.cmd("stack", "export").stdout)["deployment"]["resources"]
    plugin = {
        r["urn"].rsplit("::", 1)[-1]: r["id"]
        for r in resources
        if r["type"].startswith("partnerfleet:index:") and r.get("custom")
    }
    assert plugin == dynamic
    assert "__provider" not in json.dumps(resources)  # the pickled provider is gone
    assert not [r for r in resources if "dynamic" in r["type"]]
    assert stack.preview().changes == {"same": len(dynamic) + 2}
    stack.refresh()
    assert stack.preview().changes == {"same": len(dynamic) + 2}

    # and the plugin manages it from now on: a seat change in place, charged once
    set_seats(fleet_file, "crm-1001-dns", 450)
    assert stack.preview().changes == {"same": len(dynamic) + 1, "update": 1}
    stack.up()
    assert len(ledger(partner.read)) == entries + 1
    assert license_by_reference(partner, "crm-1001-dns")["seats"] == 450
