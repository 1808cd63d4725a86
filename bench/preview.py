"""Benchmark: what `partnerfleet plan` adds to the preview of a big stack, on PostgreSQL.

    .venv/bin/python bench/preview.py [--resources 2000] [--changes 7] [--rounds 3]

Brings up the test program `tests/provider/pulumi_programs/scale` with `--resources` licenses
under the real engine (built by scripts/install-pulumi) against the served backend, changes
`--changes` of them, then times, `--rounds` times each, `pulumi preview` (the baseline of the
same run) and `partnerfleet plan --format json` (which runs that preview and prices its
changes in one API call). Bar (the speed issue): the plan adds under 5 s to the preview.
Exit status 1 if missed.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--resources", type=int, default=2_000)
    parser.add_argument("--changes", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import requests

    from partnerfleet_backend.cli import create_operator_key
    from partnerfleet_backend.database import migrate
    from partnerfleet_backend.settings import get_settings
    from tests.support.api import Caller, make_partner
    from tests.support.postgres import running_postgres
    from tests.support.pulumi import PulumiWorkspace
    from tests.support.server import running_service

    programs = ROOT / "tests" / "provider" / "pulumi_programs"
    with running_postgres() as url, tempfile.TemporaryDirectory() as data_dir:
        env = {
            "PARTNERFLEET_DATABASE_URL": url,
            "PARTNERFLEET_DATA_DIR": data_dir,
            "PARTNERFLEET_SECRET_KEY": "bench-secret-0123456789abcdef0123456789abcdef",
            "PARTNERFLEET_JOBS_INTERVAL_SECONDS": "3600",
        }
        os.environ.update(env)
        get_settings.cache_clear()
        settings = get_settings()
        migrate(settings)
        operator_key = create_operator_key(settings)
        with (
            running_service(env, workers=2, test_clock=False) as base,
            requests.Session() as http,
        ):
            partner = make_partner(Caller(http, base, operator_key))
            workspace = PulumiWorkspace(
                Path(data_dir) / "pulumi", {"PULUMI_SKIP_CHECKPOINTS": "true"}
            )
            stack = workspace.stack(programs / "scale")
            stack.config("partnerfleet:endpoint", base)
            stack.config("partnerfleet:apiKey", partner.write.key, secret=True)
            stack.config("count", str(args.resources))
            t = time.perf_counter()
            stack.up()
            up_seconds = time.perf_counter() - t
            stack.config("renamed", str(args.changes))
            previews, plans = [], []
            for _ in range(args.rounds):
                t = time.perf_counter()
                preview = stack.preview()
                previews.append(time.perf_counter() - t)
                assert preview.changes.get("update") == args.changes, preview.changes
                t = time.perf_counter()
                planned = subprocess.run(
                    [str(Path(sys.executable).parent / "partnerfleet"), "plan", "--format", "json"],
                    cwd=stack.program,
                    env={**workspace.env(), "PARTNERFLEET_API_KEY": partner.read.key},
                    capture_output=True,
                    text=True,
                    check=False,
                )
                plans.append(time.perf_counter() - t)
                if planned.returncode != 0:
                    raise SystemExit(f"partnerfleet plan failed:\n{planned.stderr[-2000:]}")
    preview_s, plan_s = statistics.median(previews), statistics.median(plans)
    added = plan_s - preview_s
    print(
        f"PostgreSQL, 2 workers, the real engine: a stack of {args.resources + 1:,} resources "
        f"(brought up in {up_seconds:.0f} s), {args.changes} of them changed"
    )
    print(f"baseline: pulumi preview                 {preview_s:7.2f} s")
    print(f"partnerfleet plan (preview + the plan)   {plan_s:7.2f} s  (+{added:.2f} s)")
    met = added < 5.0
    print(
        f"{'met   ' if met else 'MISSED'} the plan adds {added:.2f} s to the preview (bar: < 5 s)"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
