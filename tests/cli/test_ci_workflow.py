"""The CI workflow an MSP copies installs what it says: pip takes each of its install lines
(partnerfleet is on no package index; the workflow names where it comes from)."""

import re
import subprocess
import sys

from tests.support.paths import ROOT

WORKFLOW = ROOT / "examples" / "ci" / "partnerfleet.yml"


def test_every_install_line_of_the_workflow_is_one_pip_takes() -> None:
    lines = re.findall(r"run: pip install (.+)", WORKFLOW.read_text())
    assert lines, "the workflow installs nothing"
    for line in lines:
        requirement = (
            line.strip().strip('"').replace("${{ vars.PARTNERFLEET_SOURCE }}", ROOT.as_uri())
        )
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--dry-run",
                "--no-deps",
                "--ignore-installed",
                "--no-build-isolation",
                "--quiet",
                requirement,
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert done.returncode == 0, (line, done.stderr[-2000:])
