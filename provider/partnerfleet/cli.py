"""``partnerfleet``: the provider's console commands (``partnerfleet plan``)."""

import argparse
import sys
from collections.abc import Sequence

from partnerfleet.plan import command as plan


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = argparse.ArgumentParser(
        prog="partnerfleet", description="Partner-program licensing as code."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    plan.add_parser(commands)
    args = parser.parse_args(argv)
    return plan.main_plan(args)


if __name__ == "__main__":
    sys.exit(main())
