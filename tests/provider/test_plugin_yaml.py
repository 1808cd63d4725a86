"""examples/yaml, a fleet in Pulumi YAML through the provider plugin, under the real engine with
the YAML language host (built by scripts/install-pulumi): up, a seat change in place, a
replace, drift found by refresh, a refused input named by its field, an import, destroy."""

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.provider.test_ci_example import run_script
from tests.support.api import Caller, PartnerHandle, ledger, license_body, make_partner
from tests.support.fake_github import fake_github
from tests.support.paths import ROOT
from tests.support.plan import charged
from tests.support.pulumi import PulumiWorkspace, engine_bin

pytestmark = [
    pytest.mark.engine,
    pytest.mark.slow,
    pytest.mark.skipif(
        not (engine_bin() / "pulumi-language-yaml").exists()
        and not shutil.which("pulumi-language-yaml"),
        reason="scripts/install-pulumi builds the YAML language host",
    ),
]


def _license(partner: PartnerHandle, reference: str) -> dict[str, Any]:
    items = partner.read.get("/v1/licenses", params={"reference": reference}).json()["items"]
    found: dict[str, Any] = items[0]
    return found


def test_the_yaml_example_under_the_engine(live_operator: Caller, tmp_path: Path) -> None:
    partner = make_partner(live_operator, top_up_cents=800_000)
    stack = PulumiWorkspace(tmp_path / "pulumi").stack(ROOT / "examples" / "yaml")
    stack.config("partnerfleet:endpoint", live_operator.base)
    stack.config("partnerfleet:apiKey", partner.write.key, secret=True)

    assert stack.preview().changes == {"create": 5}
    assert stack.up().changes == {"create": 5}
    lic = _license(partner, "kb-1-dns")
    assert (lic["seats"], lic["edition"]) == (25, "pro")
    assert stack.preview().changes == {"same": 5}
    assert lic["license_key"] not in stack.state_text()  # a secret, encrypted

    # a seat change in place, charged once
    stack.config("seats", "30")
    assert stack.preview().changes == {"same": 4, "update": 1}
    stack.up()
    assert _license(partner, "kb-1-dns")["seats"] == 30

    # drift: the seats changed outside the code are found by refresh, and up puts them back
    partner.write.patch(f"/v1/licenses/{lic['id']}", {"seats": 40}, expect=200)
    stack.refresh()
    assert stack.preview().changes == {"same": 4, "update": 1}

    # a refused input: the field named, nothing changed
    stack.config("seats", "0")
    refused = stack.preview(check=False)
    assert refused.returncode != 0
    assert any("seats" in d and "at least 1" in d for d in refused.diagnostics), refused.diagnostics
    stack.config("seats", "40")

    # a replace: another product is another license (a change of the code, as in a PR)
    program = stack.program / "Pulumi.yaml"
    text = program.read_text()
    text = text.replace("product: dns-filter", "product: mail")
    text = text.replace("edition: pro", "edition: standard")
    kept = [line for line in text.splitlines() if "termMonths:" not in line]
    program.write_text("\n".join(kept) + "\n")
    assert stack.preview().changes == {"same": 4, "replace": 1}
    stack.up()
    assert _license(partner, "kb-1-dns")["product"] == "mail"

    # an import, with the YAML the engine writes for it
    org = json.loads(stack.cmd("stack", "output", "customerId", "--json").stdout)
    other = partner.write.post(
        "/v1/licenses", {**license_body(org), "reference": "kb-2-dns"}
    ).json()
    charged = len(ledger(partner.read))
    code = tmp_path / "imported.yaml"
    stack.cmd(
        "import", "partnerfleet:index:License", "kb2", other["id"], "--yes", "--out", str(code)
    )
    written = code.read_text()
    assert "partnerfleet:License" in written and "kb-2-dns" in written, written
    assert len(ledger(partner.read)) == charged

    # an import is protected until the code says otherwise
    urn = "urn:pulumi:test::partnerfleet-yaml::partnerfleet:index:License::kb2"
    stack.cmd("state", "unprotect", urn, "--yes")
    assert stack.destroy().changes.get("delete") == 6


def test_the_ci_example_on_the_plugins_types(live_operator: Caller, tmp_path: Path) -> None:
    """The CI example's scripts (examples/ci) on a Pulumi YAML program: the policy pack and
    `partnerfleet plan` read the plugin's resources (their type tokens, their camelCase
    properties) as they read the dynamic provider's; the key comes from the environment, as
    in the workflow (none in the stack's config)."""
    partner = make_partner(live_operator, top_up_cents=800_000)
    stack = PulumiWorkspace(tmp_path / "pulumi").stack(ROOT / "examples" / "yaml")
    stack.config("partnerfleet:endpoint", live_operator.base)
    for script in ("review.sh", "apply.sh"):
        shutil.copy(ROOT / "examples" / "ci" / script, stack.program / script)

    # a prepaid license without protect is refused by the pack, as in a Python fleet
    refused = run_script(stack, "review.sh", partner.read.key)
    assert refused.returncode != 0
    assert "license kb-1-dns prepays 12 months: protect it" in refused.stdout + refused.stderr
    program = stack.program / "Pulumi.yaml"
    protected = program.read_text().replace(
        "      reference: kb-1-dns\n",
        "      reference: kb-1-dns\n    options:\n      protect: true\n",
    )
    program.write_text(protected)
    merged = run_script(stack, "apply.sh", partner.write.key)
    assert merged.returncode == 0, merged.stdout[-2000:] + merged.stderr[-2000:]
    assert _license(partner, "kb-1-dns")["seats"] == 25

    # the review prices the seat increase in the pull request, and the merge charges exactly that
    stack.config("seats", "30")
    with fake_github("acme/fleet", 3) as github:
        review = run_script(
            stack,
            "review.sh",
            partner.read.key,
            GITHUB_API_URL=github.base,
            GITHUB_REPOSITORY="acme/fleet",
            GITHUB_TOKEN="ghs_test",
            PR_NUMBER="3",
        )
        assert review.returncode == 0, review.stdout[-2000:] + review.stderr[-2000:]
        (comment,) = github.comments.values()
        assert "kb-1-dns" in comment["body"]
    planned = json.loads((stack.program / "plan.json").read_text())["plan"]
    (change,) = planned["changes"]
    assert (change["type"], change["action"], change["label"]) == ("license", "update", "kb-1-dns")
    assert change["charge_now_cents"] > 0
    since = len(ledger(partner.read))
    merged = run_script(stack, "apply.sh", partner.write.key)
    assert merged.returncode == 0, merged.stdout[-2000:] + merged.stderr[-2000:]
    _, nominal, net = charged(partner, since)
    totals = planned["totals"]
    assert (nominal, net) == (totals["charge_now_cents"], totals["charge_now_net_cents"])
    assert _license(partner, "kb-1-dns")["seats"] == 30


def test_a_whole_fleet_file_in_one_yaml_resource(live_operator: Caller, tmp_path: Path) -> None:
    """examples/yaml-fleet: `partnerfleet:Fleet` with the example fleet file's content makes
    the same resources as the Python fleet program, by the same names; a bad file is refused
    at preview naming its line and field."""
    partner = make_partner(live_operator, top_up_cents=6_000_000)
    fleet_file = tmp_path / "fleet.yaml"
    shutil.copy(ROOT / "examples" / "fleet.yaml", fleet_file)
    stack = PulumiWorkspace(tmp_path / "pulumi").stack(ROOT / "examples" / "yaml-fleet")
    stack.config("partnerfleet:endpoint", live_operator.base)
    stack.config("partnerfleet:apiKey", partner.write.key, secret=True)
    stack.config("fleetFile", str(fleet_file))

    # 14 customers, 20 licenses, one add-on, the support level, the component, the stack
    assert stack.up().changes == {"create": 38}
    assert stack.outputs() == {"customers": 14, "licenses": 20}
    names = {
        r["urn"].rsplit("::", 1)[-1]
        for r in json.loads(stack.cmd("stack", "export").stdout)["deployment"]["resources"]
    }
    assert {"fleet-crm-1001", "fleet-crm-1001-dns", "fleet-support"} <= names
    assert len(partner.read.get("/v1/customers", params={"limit": 100}).json()["items"]) == 14
    assert stack.preview().changes == {"same": 38}

    fleet_file.write_text(fleet_file.read_text().replace("seats: 400", "seats: -4", 1))
    refused = stack.preview(check=False)
    assert refused.returncode != 0
    said = " ".join(refused.diagnostics)
    assert "fleet.yaml (content):" in said and "seats" in said, said
