"""`pip install partnerfleet` gives the provider alone: a wheel built from this tree, installed
without the `backend` extra into a fresh environment, loads a fleet file with its schemas,
checks resource inputs and talks to a live backend, and has none of the server's libraries."""

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import DB_KIND
from tests.support.api import Caller, make_partner
from tests.support.paths import EXAMPLES, ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(DB_KIND != "sqlite", reason="packaging does not depend on the database"),
]

SERVER_LIBRARIES = ["fastapi", "sqlalchemy", "alembic", "gunicorn", "uvicorn", "psycopg"]

USE_THE_PROVIDER = """
import importlib.util, json, sys
from partnerfleet import load_fleet
from partnerfleet.client import Client
from partnerfleet.resources.license import LicenseProvider

present = [m for m in sys.argv[4].split(",") if importlib.util.find_spec(m) is not None]
fleet = load_fleet(sys.argv[1])
bad = LicenseProvider().check({}, {"customer_id": "cus_1", "product": "dns-filter",
                                    "edition": "pro-plus", "term_months": 12, "seats": 5})
me = Client(sys.argv[2], sys.argv[3]).get("/v1/me")
print(json.dumps({
    "server_libraries": present,
    "customers": len(fleet.customers),
    "failures": [f"{f.property}: {f.reason}" for f in bad.failures],
    "partner": me["id"],
}))
"""


def test_the_provider_installs_and_works_without_the_backend(
    tmp_path: Path, live_service: str, live_operator: Caller
) -> None:
    wheels = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("partnerfleet-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "-c",
            str(ROOT / "requirements" / "dev.lock"),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    partner = make_partner(live_operator)
    used = subprocess.run(
        [
            str(python),
            "-c",
            USE_THE_PROVIDER,
            str(EXAMPLES / "fleet.yaml"),
            live_service,
            partner.read.key,
            ",".join(SERVER_LIBRARIES),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,  # not the source tree: the installed package only
    )
    result = json.loads(used.stdout)
    assert result["server_libraries"] == []
    assert result["customers"] == 14
    assert result["failures"] == ["edition: edition 'pro-plus' is not one of pro, proplus"]
    assert result["partner"] == partner.id
    backend_cli = subprocess.run(
        [str(env_dir / "bin" / "partnerfleet-backend"), "migrate"], capture_output=True, text=True
    )
    assert backend_cli.returncode == 2
    assert "pip install 'partnerfleet[backend]'" in backend_cli.stderr
