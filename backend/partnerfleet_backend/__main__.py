"""``partnerfleet-backend`` (and ``python -m partnerfleet_backend``): the service's CLI.

`pip install partnerfleet` brings the provider only; the service needs its extra. Say so
instead of a traceback when it is missing.
"""

import sys


def main() -> int:
    """Run the CLI, or explain how to install the service."""
    try:
        from partnerfleet_backend.cli import main as cli_main
    except ModuleNotFoundError as missing:
        print(
            f"partnerfleet-backend needs the service's dependencies ({missing.name} is missing): "
            "pip install 'partnerfleet[backend]'",
            file=sys.stderr,
        )
        return 2
    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
