"""`partnerfleet plan`: price a stack's preview with the backend's own rules; `partnerfleet
up`: the same plan first, and `pulumi up` only when it is fine, so that a fleet never ends
half-applied because one of its changes is refused.

Exit codes: 0 the plan is fine (for `up`: and the up succeeded); 1 the `up` would be refused
(credit, quota, a conflict) or a threshold is crossed: nothing is applied; 2 wrong usage, a key
the backend refuses, or a backend that cannot be reached (one line, never a traceback); `up`
passes on the exit code of a `pulumi up` that failed.
"""

import argparse
import os
import subprocess
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from partnerfleet import errors
from partnerfleet.client import Client
from partnerfleet.config import DEFAULT_ENDPOINT
from partnerfleet.plan import preview, render

FORMATS = {"table": render.table, "markdown": render.markdown, "json": render.as_json}


class Usage(Exception):
    """Wrong usage: exit 2 with the message."""


def add_parser(commands: Any) -> None:
    """The `plan` and `up` subcommands' arguments."""
    plan = commands.add_parser(
        "plan",
        help="what a stack's preview costs, whether it can be paid, what it forfeits",
        description="Runs `pulumi preview --json` (or reads one) and asks the backend to price "
        "the partnerfleet changes once. The key: --api-key, else PARTNERFLEET_API_KEY, else "
        "the stack's partnerfleet:apiKey (a read key is enough).",
    )
    plan.add_argument("--preview-json", metavar="FILE", help="a saved preview ('-': stdin)")
    _arguments(plan)
    plan.set_defaults(run=run)
    up = commands.add_parser(
        "up",
        help="plan first, then `pulumi up --yes` only if the plan is fine (all or nothing)",
        description="Runs `partnerfleet plan` on a fresh preview; when the up would be refused "
        "or a threshold is crossed, stops before any change (exit 1); else runs `pulumi up "
        "--yes` with the same stack and arguments (after --), so that a refused change never "
        "leaves the fleet half-applied.",
    )
    _arguments(up)
    up.set_defaults(run=run_up, preview_json=None)


def _arguments(plan: Any) -> None:
    plan.add_argument("--stack", help="the stack to preview")
    plan.add_argument("--cwd", type=Path, help="the Pulumi program's directory")
    plan.add_argument("--format", choices=sorted(FORMATS), default="table")
    plan.add_argument("--markdown", metavar="FILE", type=Path, help="also write the comment")
    plan.add_argument("--json", metavar="FILE", type=Path, help="also write the JSON")
    plan.add_argument("--endpoint", help="the backend (default: the stack's, or env)")
    plan.add_argument("--api-key", help="a partner key (prefer PARTNERFLEET_API_KEY)")
    plan.add_argument(
        "--max-charge", metavar="EUR", help="exit 1 when more than this is charged now"
    )
    plan.add_argument(
        "--fail-on-forfeit", action="store_true", help="exit 1 when prepaid term is forfeited"
    )
    plan.add_argument(
        "--fail-on-under-licensing",
        action="store_true",
        help="exit 1 when a license's use exceeds its seats",
    )
    plan.add_argument("preview_args", nargs="*", help="after --: more `pulumi` args")


def _stack_config(args: argparse.Namespace, key: str) -> str | None:
    command = ["pulumi", "config", "get", key, *(["--stack", args.stack] if args.stack else [])]
    try:
        done = subprocess.run(  # noqa: S603 (our own argument list, no shell)
            command, cwd=args.cwd, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def _max_charge_cents(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise Usage(
            f"--max-charge takes an amount in EUR such as 250 or 99.50, not {text!r}"
        ) from None
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise Usage("--max-charge takes a non-negative amount with at most two decimals")
    return int(value * 100)


def run(args: argparse.Namespace) -> int:
    """Plan, print, and say by the exit code whether the up may go ahead."""
    limit = _max_charge_cents(args.max_charge)
    if args.preview_json:
        document = preview.read_preview(args.preview_json)
    else:
        document = preview.run_preview(args.cwd, args.stack, list(args.preview_args))
    found = preview.extract(document)
    endpoint = (
        args.endpoint
        or os.environ.get("PARTNERFLEET_ENDPOINT")
        or found.endpoint
        or DEFAULT_ENDPOINT
    )
    key = (
        args.api_key
        or os.environ.get("PARTNERFLEET_API_KEY")
        or _stack_config(args, "partnerfleet:apiKey")
    )
    if not key:
        raise Usage("no API key: set PARTNERFLEET_API_KEY (a read key is enough) or pass --api-key")
    plan: dict[str, Any] = Client(endpoint, key).post("/v1/plans", {"changes": found.changes})
    output = FORMATS[args.format](plan, found.customers)
    sys.stdout.write(output)
    if args.markdown:
        args.markdown.write_text(render.markdown(plan, found.customers))
    if args.json:
        args.json.write_text(render.as_json(plan, found.customers))
    crossed = []
    if limit is not None and plan["totals"]["charge_now_cents"] > limit:
        crossed.append(f"charges {render.euros(plan['totals']['charge_now_cents'])} EUR now")
    if args.fail_on_forfeit and plan["totals"]["forfeit_cents"]:
        crossed.append(f"forfeits {render.euros(plan['totals']['forfeit_cents'])} EUR")
    if args.fail_on_under_licensing and plan["under_licensed"]:
        crossed.append(f"{len(plan['under_licensed'])} license(s) under-licensed")
    if plan["refused"] or not plan["quota"]["enough"] or crossed:
        reasons = crossed + (["the up would be refused"] if plan["refused"] else [])
        reasons += [] if plan["quota"]["enough"] else ["not enough API calls left"]
        print(f"partnerfleet plan: not fine: {'; '.join(reasons)}", file=sys.stderr)
        return 1
    return 0


def run_up(args: argparse.Namespace) -> int:
    """The plan, then the up only when the plan is fine."""
    verdict = run(args)
    if verdict != 0:
        print("partnerfleet up: nothing applied (the plan above says why)", file=sys.stderr)
        return verdict
    command = ["pulumi", "up", "--yes", "--non-interactive", *args.preview_args]
    if args.stack:
        command += ["--stack", args.stack]
    sys.stdout.flush()
    done = subprocess.run(command, cwd=args.cwd, check=False)  # noqa: S603 (our own list)
    return done.returncode


def main_plan(args: argparse.Namespace) -> int:
    """Run the subcommand with the exit codes of the module docstring."""
    try:
        return int(args.run(args))
    except Usage as problem:
        print(f"partnerfleet {args.command}: {problem}", file=sys.stderr)
        return 2
    except (errors.AuthenticationFailed, errors.Forbidden) as refused:
        print(
            f"partnerfleet {args.command}: the backend refused the key: {refused}",
            file=sys.stderr,
        )
        return 2
    except errors.PartnerfleetError as failed:
        print(f"partnerfleet {args.command}: {failed}", file=sys.stderr)
        return 2
