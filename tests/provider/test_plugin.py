"""The provider plugin `pulumi-resource-partnerfleet` under the real engine, against the
served backend."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.api import Caller, ledger, license_body, make_partner
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
    assert preview.changes == {"create": 5}
    assert partner.read.get("/v1/quota").json()["used"] == before + 1  # only this read
    up = stack.up()
    assert up.changes == {"create": 5}, up.stdout
    (lic,) = partner.read.get("/v1/licenses", params={"reference": "plug-1-dns"}).json()["items"]
    state = json.loads(stack.cmd("stack", "export").stdout)
    resources = {r["type"]: r for r in state["deployment"]["resources"]}
    held = resources["partnerfleet:index:License"]
    assert held["id"] == lic["id"] and held["outputs"]["seats"] == 5
    assert SECRET_SIG in json.dumps(held["outputs"]["licenseKey"])  # a secret, encrypted
    assert lic["license_key"] not in stack.state_text()
    assert stack.preview().changes == {"same": 5}

    # import by the partner's reference (and by id below): under management, nothing charged
    body = license_body(held["outputs"]["customerId"], edition="pro", seats=3)
    other = partner.write.post("/v1/licenses", {**body, "reference": "plug-2-dns"}).json()
    charged = len(ledger(partner.read))
    stack.cmd(
        "import",
        "partnerfleet:index:License",
        "plug-2-dns",
        "plug-2-dns",
        "--yes",
        "--generate-code=false",
    )
    stack.config("declareImported", "true")
    assert stack.preview().changes == {"same": 6}  # the code declares what was imported
    # get: an existing license read by its id, not managed
    stack.config("getLicense", other["id"])
    stack.up()
    assert stack.outputs()["seenSeats"] == 3
    assert len(ledger(partner.read)) == charged

    # the whole account as a bulk import file, into a second stack: nothing charged
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "partnerfleet"),
            "export",
            "--format",
            "pulumi-import",
            "-o",
            str(tmp_path / "import.json"),
        ],
        env={
            **os.environ,
            "PARTNERFLEET_ENDPOINT": live_operator.base,
            "PARTNERFLEET_API_KEY": partner.read.key,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # the program's own add-on is left out (it has its manager), and said so
    assert done.returncode == 1 and "managed elsewhere" in done.stderr, done.stderr
    listed = json.loads((tmp_path / "import.json").read_text())["resources"]
    assert {(r["type"].rsplit(":", 1)[-1], r["name"]) for r in listed} == {
        ("CustomerOrg", "plug-1"),
        ("License", "plug-1-dns"),
        ("License", "plug-2-dns"),
        ("SupportLevel", "support"),
    }
    second = stack.workspace.stack(stack.program, "second", copy_program=False)
    second.config("partnerfleet:endpoint", live_operator.base)
    second.config("partnerfleet:apiKey", partner.write.key, secret=True)
    second.cmd("import", "--file", str(tmp_path / "import.json"), "--yes", "--generate-code=false")
    imported = json.loads(second.cmd("stack", "export").stdout)["deployment"]["resources"]
    assert {r["id"] for r in imported if r["type"] == "partnerfleet:index:License"} == {
        lic["id"],
        other["id"],
    }
    assert len(ledger(partner.read)) == charged
    stack.config("getLicense", "")
    stack.config("declareImported", "false")
    stack.cmd(
        "state",
        "delete",
        "urn:pulumi:test::plugin-python::partnerfleet:index:License::plug-2-dns",
        "--yes",
    )
    stack.config("seats", "7")
    assert stack.preview().changes == {"same": 4, "update": 1, "discard": 1}  # the get went
    stack.up()
    assert stack.destroy().changes == {"delete": 5}
