"""Benchmark: the provider plugin against the dynamic provider, same backend, same run.

    .venv/bin/python bench/plugin.py [--resources 1000]

Serves the backend on PostgreSQL (2 workers) and brings up, under the real engine, the same
`--resources` customer orgs twice, each for a partner of its own: through the dynamic provider
(`tests/provider/pulumi_programs/scale`) and through the plugin
(`tests/provider/pulumi_programs/scale_plugin`, the generated Python SDK). For each it times
`pulumi up` of the new resources, a preview with no change and a refresh, and counts the API
calls each spent (the quota's counter, less the reads of it). Bar (issue 25): the plugin is not
slower (each time within 10 % of the dynamic provider's, for noise) and spends the same calls:
a preview none, a refresh pages in bulk. Exit status 1 if missed.
"""

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import on_postgres, served  # noqa: E402 (bench/, beside this file)

STEPS = ("up", "preview", "refresh")


def measure(program: Path, base: str, operator: Any, root: Path, n: int) -> dict[str, Any]:
    """Seconds and API calls of each step for one provider."""
    from tests.support.api import make_partner
    from tests.support.pulumi import PulumiWorkspace

    partner = make_partner(operator)
    workspace = PulumiWorkspace(root / program.name, {"PULUMI_SKIP_CHECKPOINTS": "true"})
    stack = workspace.stack(program)
    stack.config("partnerfleet:endpoint", base)
    stack.config("partnerfleet:apiKey", partner.write.key, secret=True)
    stack.config("count", str(n))

    def used() -> int:
        return int(partner.read.get("/v1/quota").json()["used"])

    found: dict[str, Any] = {}
    for step in STEPS:
        before = used()
        t = time.perf_counter()
        result = getattr(stack, step)()
        seconds = time.perf_counter() - t
        if step == "preview":
            assert result.changes == {"same": n + 1}, result.changes
        found[step] = (seconds, used() - before - 1)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--resources", type=int, default=1_000)
    args = parser.parse_args()

    import requests

    from tests.support.api import Caller

    programs = ROOT / "tests" / "provider" / "pulumi_programs"
    with (
        on_postgres() as env,
        served(env, workers=2) as (base, operator_key),
        requests.Session() as http,
    ):
        operator = Caller(http, base, operator_key)
        root = Path(env["PARTNERFLEET_DATA_DIR"]) / "pulumi"
        dynamic = measure(programs / "scale", base, operator, root, args.resources)
        plugin = measure(programs / "scale_plugin", base, operator, root, args.resources)
    print(
        f"PostgreSQL, 2 workers, the real engine: {args.resources:,} customer orgs, "
        "each provider for a partner of its own"
    )
    print(f"{'step':<9} {'dynamic':>16} {'plugin':>16} {'ratio':>6}")
    met = True
    for step in STEPS:
        (d_s, d_calls), (p_s, p_calls) = dynamic[step], plugin[step]
        ratio = p_s / d_s
        print(f"{step:<9} {d_s:8.1f} s {d_calls:5d} c {p_s:8.1f} s {p_calls:5d} c {ratio:6.2f}")
        met = met and ratio <= 1.10 and p_calls <= d_calls
    print(f"{'met   ' if met else 'MISSED'} the plugin is not slower and spends no more calls")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
