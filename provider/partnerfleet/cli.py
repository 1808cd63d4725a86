"""``partnerfleet``: the provider's console commands (``plan``, ``up``, ``comment``,
``export``)."""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import requests

from partnerfleet import errors, rightsize
from partnerfleet.client import Client
from partnerfleet.config import resolve
from partnerfleet.export import export, export_imports
from partnerfleet.plan import command as plan
from partnerfleet.plan import comment, drift


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = argparse.ArgumentParser(
        prog="partnerfleet", description="Partner-program licensing as code."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    plan.add_parser(commands)
    comment.add_parser(commands)
    drift.add_parser(commands)
    rightsize.add_parser(commands)
    exporting = commands.add_parser(
        "export",
        help="write a fleet file (with adoption set) from what the backend holds",
        description="Connects by PARTNERFLEET_ENDPOINT and PARTNERFLEET_API_KEY (a read key is "
        "enough).",
    )
    exporting.add_argument("--output", "-o", type=Path, help="the file (default: stdout)")
    exporting.add_argument(
        "--schema",
        default="https://partnerfleet.dev/schemas/fleet.schema.json",
        help="the schema URL for the editor comment on top",
    )
    exporting.add_argument(
        "--format",
        choices=("fleet", "pulumi-import"),
        default="fleet",
        help="a fleet file (default), or the engine's bulk import file for the provider plugin "
        "(`pulumi import --file`)",
    )
    exporting.set_defaults(run=_export)
    args = parser.parse_args(argv)
    if args.command in ("plan", "up"):
        return plan.main_plan(args)
    try:
        return int(args.run(args))
    except (comment.CommentError, errors.PartnerfleetError, ValueError) as problem:
        print(f"partnerfleet {args.command}: {problem}", file=sys.stderr)
        return 2
    except (OSError, requests.RequestException) as problem:
        print(f"partnerfleet {args.command}: {problem}", file=sys.stderr)
        return 2


def _export(args: argparse.Namespace) -> int:
    connection = resolve(lambda _name: None)  # the environment (a CI job, a shell)
    if not connection.api_key:
        raise errors.PartnerfleetError(
            "no API key: set PARTNERFLEET_API_KEY (a read key is enough)"
        )
    client = Client(connection.endpoint, connection.api_key)
    if args.format == "pulumi-import":
        return export_imports(client, args.output)
    return export(client, args.output, args.schema)


if __name__ == "__main__":
    sys.exit(main())
