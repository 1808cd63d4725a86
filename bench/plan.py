"""Benchmark: the plan endpoint at fleet scale, on PostgreSQL.

    .venv/bin/python bench/plan.py [--licenses 2000] [--changes 500] [--rounds 3]

Seeds one partner with plenty of credit, 100 customers and `--licenses` licenses through the
API, then asks `POST /v1/plans` for `--changes` changes over that fleet (three in five raise a
license's seats, one in five cancels one, one in five creates a new license), `--rounds` times,
and reports the median. The reference of the same run: reading the whole fleet page by page
(`GET /v1/licenses`, what a refresh of the stack reads). Bar (the speed issue): the plan
answered in under 1 s. Exit status 1 if missed.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import on_postgres, served  # noqa: E402 (bench/, beside this file)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--licenses", type=int, default=2_000)
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import requests

    with (
        on_postgres() as env,
        served(env, workers=2) as (base, operator_key),
        requests.Session() as http,
    ):

        def call(key: str, method: str, path: str, body: object = None) -> Any:
            response = http.request(
                method, base + path, json=body, headers={"Authorization": f"Bearer {key}"}
            )
            if response.status_code >= 300:
                raise SystemExit(f"{method} {path}: {response.status_code} {response.text}")
            return response.json()

        partner = call(
            operator_key, "POST", "/v1/partners", {"name": "Big MSP", "level": "platinum"}
        )
        pid = partner["id"]
        call(operator_key, "POST", f"/v1/partners/{pid}/top-ups", {"amount_cents": 10**10})
        key = call(operator_key, "POST", f"/v1/partners/{pid}/api-keys", {"scope": "write"})["key"]
        t = time.perf_counter()
        customers = [
            call(
                key,
                "POST",
                "/v1/customers",
                {
                    "name": f"School {i}",
                    "segment": "school",
                    "country": "DE",
                    "contact_email": "it@school.example",
                },
            )["id"]
            for i in range(100)
        ]
        licenses = [
            call(
                key,
                "POST",
                "/v1/licenses",
                {
                    "customer_id": customers[i % len(customers)],
                    "product": "dns-filter",
                    "edition": "pro",
                    "term_months": 12,
                    "seats": 10,
                },
            )["id"]
            for i in range(args.licenses)
        ]
        seeded = time.perf_counter() - t
        changes: list[dict[str, Any]] = []
        for i in range(args.changes):
            lic = licenses[i % len(licenses)]
            if i % 5 == 3:
                change = {"key": f"c{i}", "action": "delete", "type": "license", "id": lic}
                changes.append(change)
            elif i % 5 == 4:
                changes.append(
                    {
                        "key": f"c{i}",
                        "action": "create",
                        "type": "license",
                        "inputs": {
                            "customer_id": customers[i % len(customers)],
                            "product": "dns-filter",
                            "edition": "pro",
                            "term_months": 12,
                            "seats": 5,
                        },
                    }
                )
            else:
                changes.append(
                    {
                        "key": f"c{i}",
                        "action": "update",
                        "type": "license",
                        "id": lic,
                        "inputs": {"seats": 20},
                    }
                )
        reads, plans = [], []
        result: Any = None
        for _ in range(args.rounds):
            t = time.perf_counter()
            cursor, listed = None, 0
            while True:
                path = "/v1/licenses?limit=100" + (f"&cursor={cursor}" if cursor else "")
                page = call(key, "GET", path)
                listed += len(page["items"])
                cursor = page.get("next_cursor")
                if not cursor:
                    break
            reads.append(time.perf_counter() - t)
            t = time.perf_counter()
            result = call(key, "POST", "/v1/plans", {"changes": changes})
            plans.append(time.perf_counter() - t)
    plan_s, read_s = statistics.median(plans), statistics.median(reads)
    print(
        f"PostgreSQL, 2 workers: a fleet of {args.licenses:,} licenses of 100 customers "
        f"(seeded through the API in {seeded:.0f} s)"
    )
    print(f"reference: reading the fleet ({listed:,} licenses, pages of 100): {read_s:6.3f} s")
    print(
        f"plan of {len(changes)} changes:                               {plan_s:6.3f} s  "
        f"({plan_s / read_s:.1f} x the read; {plan_s / len(changes) * 1000:.2f} ms a change)"
    )
    print(f"  totals: {result['totals']}")
    met = plan_s < 1.0
    print(f"{'met   ' if met else 'MISSED'} the plan answered in {plan_s:.2f} s (bar: < 1 s)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
