"""examples/typescript through the provider plugin under the real engine: the Automation API's
inline program (this machine has no Node.js language host; the Node process serves the
language runtime itself), with the SDK generated from the plugin's schema and @pulumi/pulumi
3.248.0 (the last for Node 20)."""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.api import Caller, make_partner
from tests.support.paths import ROOT
from tests.support.pulumi import PulumiWorkspace, run_inline

EXAMPLE = ROOT / "examples" / "typescript"
pytestmark = [
    pytest.mark.engine,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("npm") is None, reason="Node.js and npm run the example"),
]


@pytest.fixture(scope="module")
def built() -> Path:
    done = subprocess.run(
        [str(ROOT / "scripts" / "build-typescript.sh")],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return EXAMPLE / "bin" / "automation.js"


def _run(
    automation: Path, workspace: PulumiWorkspace, operation: str, **env: str
) -> dict[str, Any]:
    return run_inline(["node", str(automation), operation], workspace, env, EXAMPLE)


def test_the_typescript_example_under_the_engine(
    built: Path, live_operator: Caller, tmp_path: Path
) -> None:
    partner = make_partner(live_operator, top_up_cents=800_000)
    workspace = PulumiWorkspace(tmp_path / "pulumi")
    env = {
        "PARTNERFLEET_ENDPOINT": live_operator.base,
        "PARTNERFLEET_API_KEY": partner.write.key,
        "STACK": "ts",
    }
    assert _run(built, workspace, "preview", **env)["changes"] == {"create": 5}
    up = _run(built, workspace, "up", **env)
    assert up["changes"] == {"create": 5}
    assert up["outputs"]["seats"] == 25 and up["outputs"]["licenseKey"] == "[secret]"
    assert isinstance(up["outputs"]["balanceCents"], int)  # the getWallet function, read
    assert 0 < up["outputs"]["balanceCents"] <= 800_000
    (lic,) = partner.read.get("/v1/licenses", params={"reference": "kb-1-dns"}).json()["items"]
    assert lic["seats"] == 25
    again = _run(built, workspace, "up", **env, SEATS="30")
    assert again["changes"] == {"same": 4, "update": 1}
    assert partner.read.get(f"/v1/licenses/{lic['id']}").json()["seats"] == 30
    assert _run(built, workspace, "destroy", **env)["changes"] == {"delete": 5}
