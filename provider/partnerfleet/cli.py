"""``partnerfleet``: the provider's console commands (``plan``, ``comment``)."""

import argparse
import sys
from collections.abc import Sequence

import requests

from partnerfleet.plan import command as plan
from partnerfleet.plan import comment


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = argparse.ArgumentParser(
        prog="partnerfleet", description="Partner-program licensing as code."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    plan.add_parser(commands)
    comment.add_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "plan":
        return plan.main_plan(args)
    try:
        return int(args.run(args))
    except (comment.CommentError, OSError, requests.RequestException) as problem:
        print(f"partnerfleet {args.command}: {problem}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
