"""examples/go through the provider plugin under the real engine: the Go SDK generated from the
plugin's schema, compiled, its program run as the Automation API's inline program (no Go
language host here; the Go process serves the language runtime itself)."""

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.api import Caller, make_partner
from tests.support.paths import ROOT
from tests.support.pulumi import PulumiWorkspace, run_inline

EXAMPLE = ROOT / "examples" / "go"
GO = shutil.which("go") or (
    "/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None
)
pytestmark = [
    pytest.mark.engine,
    pytest.mark.slow,
    pytest.mark.skipif(GO is None, reason="Go compiles the example"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    binary = tmp_path_factory.mktemp("go") / "example-go"
    done = subprocess.run(
        [str(GO), "build", "-o", str(binary), "."],
        cwd=EXAMPLE,
        env={**os.environ, "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0"},
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return binary


def _run(binary: Path, workspace: PulumiWorkspace, operation: str, **env: str) -> dict[str, Any]:
    return run_inline([str(binary), operation], workspace, env)


def test_the_go_example_under_the_engine(
    built: Path, live_operator: Caller, tmp_path: Path
) -> None:
    partner = make_partner(live_operator, top_up_cents=800_000)
    workspace = PulumiWorkspace(tmp_path / "pulumi")
    env = {
        "PARTNERFLEET_ENDPOINT": live_operator.base,
        "PARTNERFLEET_API_KEY": partner.write.key,
        "STACK": "go",
    }
    assert _run(built, workspace, "preview", **env)["changes"] == {"create": 5}
    up = _run(built, workspace, "up", **env)
    assert up["changes"] == {"create": 5}
    assert up["outputs"]["seats"] == 25 and up["outputs"]["licenseKey"] == "[secret]"
    again = _run(built, workspace, "up", **env, SEATS="28")
    assert again["changes"] == {"same": 4, "update": 1}
    (lic,) = partner.read.get("/v1/licenses", params={"reference": "kb-1-dns"}).json()["items"]
    assert lic["seats"] == 28
    assert _run(built, workspace, "destroy", **env)["changes"] == {"delete": 5}
