"""The provider plugin `pulumi-resource-partnerfleet`: the same resources for every Pulumi
language (Pulumi YAML, TypeScript, Go, Python), one type token each (`partnerfleet:index:License`
...), served over the engine's gRPC protocol by the Python SDK's provider interface.

The resources' behaviour is the dynamic provider's (``partnerfleet.resources``): this package
only translates at the edge (property values, camelCase names, secrets, preview) and derives the
package schema from ``schemas/``.
"""
