"""N dynamic resources; `useWorkaround` imports partnerfleet first (it patches the SDK)."""

from typing import Any

import pulumi

config = pulumi.Config()
if config.get_bool("useWorkaround"):
    import partnerfleet  # noqa: F401  (applies the serialization workaround)

from pulumi.dynamic import CreateResult, Resource, ResourceProvider  # noqa: E402


class CountProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"n-{int(props['n'])}", {"n": props["n"]})


class Counted(Resource):
    def __init__(self, name: str, n: int) -> None:
        super().__init__(CountProvider(), name, {"n": n})


count = config.get_int("count") or 1000
for i in range(count):
    Counted(f"r{i}", i)
pulumi.export("count", count)
