"""`pulumi-resource-partnerfleet`: the engine starts it (found on PATH or in the plugin cache,
see ``plugins.providers`` in a project's Pulumi.yaml) and talks to it over gRPC."""

import sys

from pulumi.provider.experimental.server import main as serve

from partnerfleet.plugin.package import version
from partnerfleet.plugin.provider import PartnerfleetProvider


def main() -> None:
    serve(sys.argv[1:], version(), PartnerfleetProvider())


if __name__ == "__main__":
    main()
