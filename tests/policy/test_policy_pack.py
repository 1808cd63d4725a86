"""The policy pack under the real engine (`pulumi preview --policy-pack policy`), on the
example fleet: prepaid term cannot be given up without consent, references, editions per
segment. It also proves that the engine built here starts a Python pack at all (the language
host patch of scripts/install-pulumi)."""

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.provider.test_fleet_e2e import fleet_stack
from tests.provider.test_plan_command import remove_customer
from tests.support.api import Caller, make_partner
from tests.support.paths import ROOT
from tests.support.pulumi import PulumiWorkspace, Result, Stack

pytestmark = [pytest.mark.engine, pytest.mark.slow]
PACK = str(ROOT / "policy")


def preview(stack: Stack, *extra: str) -> Result:
    return stack.cmd("preview", "--policy-pack", PACK, *extra, check=False)


@pytest.fixture
def fleet(live_operator: Caller, tmp_path: Path) -> tuple[Stack, Path]:
    partner = make_partner(live_operator, top_up_cents=6_000_000)
    fleet_file = tmp_path / "fleet.yaml"
    shutil.copy(ROOT / "examples" / "fleet.yaml", fleet_file)
    return fleet_stack(
        PulumiWorkspace(tmp_path / "pulumi"), live_operator.base, partner, fleet_file
    ), fleet_file


def test_prepaid_term_cannot_be_given_up_without_consent(fleet: tuple[Stack, Path]) -> None:
    stack, fleet_file = fleet
    unprotected = preview(stack)
    assert unprotected.returncode != 0
    assert "[mandatory]  prepaid-license-forfeit-needs-consent" in unprotected.stdout
    assert "license crm-2006-dns prepays 60 months" in unprotected.stdout
    assert "license crm-2002-dns prepays" not in unprotected.stdout  # monthly: nothing to lose

    fleet_file.write_text("protect_prepaid: true\n" + fleet_file.read_text())
    assert preview(stack).returncode == 0
    stack.up("--policy-pack", PACK)

    remove_customer(fleet_file, "crm-2006")  # would cancel 12,144 EUR of prepaid term
    blocked = preview(stack)
    assert blocked.returncode != 0
    assert "protect" in blocked.stdout + blocked.stderr

    text = (ROOT / "examples" / "fleet.yaml").read_text()
    consent = text.replace(
        "        reference: crm-2006-dns\n",
        "        reference: crm-2006-dns\n        allow_forfeit: true\n",
    )
    fleet_file.write_text("protect_prepaid: true\n" + consent)
    assert preview(stack).returncode == 0
    stack.up("--policy-pack", PACK)  # unprotects it, nothing charged
    remove_customer(fleet_file, "crm-2006")
    assert preview(stack).returncode == 0


def test_editions_per_segment_and_references_come_from_the_config(
    fleet: tuple[Stack, Path], tmp_path: Path
) -> None:
    stack, fleet_file = fleet
    text = fleet_file.read_text().replace("        reference: crm-2001-mail\n", "")
    text = text.replace("seats: 400\n", "seats: 40000\n", 1)  # crm-1001-dns: a typo
    fleet_file.write_text("protect_prepaid: true\n" + text)
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"editions-per-segment": {"allowed": {"school": ["pro"]}}}))
    result = preview(stack, "--policy-pack-config", str(config))
    assert result.returncode != 0
    assert re.search(
        r"license crm-1001-dns: edition proplus is not allowed for school", result.stdout
    )
    assert "license crm-1002-dns" not in result.stdout  # pro: allowed
    assert "has no reference" in result.stdout and "fleet-crm-2001-mail" in result.stdout
    assert "asks for 40000 seats, more than 5,000: a typo?" in result.stdout

    config.write_text(json.dumps({"every-object-has-a-reference": {"licenses": False}}))
    assert preview(stack, "--policy-pack-config", str(config)).returncode == 0
