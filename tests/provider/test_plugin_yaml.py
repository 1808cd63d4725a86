"""examples/yaml, a fleet in Pulumi YAML through the provider plugin, under the real engine with
the YAML language host (built by scripts/install-pulumi): up, a seat change in place, a
replace, drift found by refresh, a refused input named by its field, an import, destroy."""

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.support.api import Caller, PartnerHandle, ledger, license_body, make_partner
from tests.support.paths import ROOT
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
