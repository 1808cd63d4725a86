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
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import on_postgres, served  # noqa: E402 (bench/, beside this file)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--resources", type=int, default=2_000)
    parser.add_argument("--changes", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import requests

    from tests.support.api import Caller, make_partner
    from tests.support.pulumi import PulumiWorkspace

    programs = ROOT / "tests" / "provider" / "pulumi_programs"
    with (
        on_postgres() as env,
        served(env, workers=2) as (base, operator_key),
        requests.Session() as http,
    ):
        partner = make_partner(Caller(http, base, operator_key))
        workspace = PulumiWorkspace(
            Path(env["PARTNERFLEET_DATA_DIR"]) / "pulumi", {"PULUMI_SKIP_CHECKPOINTS": "true"}
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
