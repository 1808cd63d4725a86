"""sdk/ is what the schemas make: the plugin's package schema (sdk/schema.json) and the SDKs the
engine's generators write from it (TypeScript, Python, Go). `make sdk` regenerates them."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from partnerfleet.plugin.package import package_schema
from tests.support.paths import ROOT

SDK = ROOT / "sdk"
GO = shutil.which("go") or (
    "/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None
)


def test_the_schema_in_sdk_is_the_plugins() -> None:
    assert json.loads((SDK / "schema.json").read_text()) == json.loads(
        json.dumps(package_schema())
    ), "sdk/schema.json is stale: run `make sdk`"


def _files(root: Path) -> dict[str, str]:
    """The generated files under `root` (a fresh directory)."""
    return {
        str(p.relative_to(root)): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "package-lock.json"
    }


def _kept(root: Path) -> dict[str, str]:
    """The files of `root` the repository holds (not what installing or building left there:
    an egg-info, node_modules, bin/)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", str(root.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    return {
        str(Path(name).relative_to(root.relative_to(ROOT))): (ROOT / name).read_text()
        for name in listed
        if name and Path(name).name != "package-lock.json"
    }


@pytest.mark.skipif(
    GO is None, reason="Go builds the generator (scripts/install-pulumi needs it too)"
)
def test_the_generated_sdks_are_current(tmp_path: Path) -> None:
    env = {"PATH": f"{Path(str(GO)).parent}:/usr/bin:/bin"}
    done = subprocess.run(
        [str(ROOT / "scripts" / "gen-sdk.sh"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr
    for language in ("nodejs", "python", "go"):
        fresh, kept = _files(tmp_path / language), _kept(SDK / language)
        assert sorted(fresh) == sorted(kept), f"sdk/{language}: run `make sdk`"
        stale = [name for name in fresh if fresh[name] != kept[name]]
        assert stale == [], f"sdk/{language} is stale ({stale}): run `make sdk`"
