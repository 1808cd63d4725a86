"""The provider plugin `pulumi-resource-partnerfleet` under the real engine, against the
served backend."""

import json
from pathlib import Path

import pytest

from tests.support.api import Caller, make_partner
from tests.support.paths import PROGRAMS
from tests.support.pulumi import PulumiWorkspace

pytestmark = [pytest.mark.engine, pytest.mark.slow]
SECRET_SIG = "4dabf18193072939515e22adb298388d"  # the engine's mark of a secret value


def test_a_python_program_through_the_plugin(live_operator: Caller, tmp_path: Path) -> None:
    partner = make_partner(live_operator, top_up_cents=500_000)
    stack = PulumiWorkspace(tmp_path / "pulumi").stack(PROGRAMS / "plugin_python")
    stack.config("partnerfleet:endpoint", live_operator.base)
    stack.config("partnerfleet:apiKey", partner.write.key, secret=True)
    before = partner.read.get("/v1/quota").json()["used"]
    preview = stack.preview()
    assert preview.changes == {"create": 3}
    assert partner.read.get("/v1/quota").json()["used"] == before + 1  # only this read
    up = stack.up()
    assert up.changes == {"create": 3}, up.stdout
    (lic,) = partner.read.get("/v1/licenses", params={"reference": "plug-1-dns"}).json()["items"]
    state = json.loads(stack.cmd("stack", "export").stdout)
    resources = {r["type"]: r for r in state["deployment"]["resources"]}
    held = resources["partnerfleet:index:License"]
    assert held["id"] == lic["id"] and held["outputs"]["seats"] == 5
    assert SECRET_SIG in json.dumps(held["outputs"]["licenseKey"])  # a secret, encrypted
    assert lic["license_key"] not in stack.state_text()
    assert stack.preview().changes == {"same": 3}
    stack.config("seats", "7")
    assert stack.preview().changes == {"same": 2, "update": 1}
    stack.up()
    assert stack.destroy().changes == {"delete": 3}
