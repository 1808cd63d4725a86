"""AddOn: an add-on option, a month at a time."""

from dataclasses import asdict, dataclass
from typing import Any, Literal

import pulumi

from partnerfleet.resources.provider import BackendProvider
from partnerfleet.resources.resource import BackendResource

Option = Literal[
    "premium-support",
    "white-label",
    "api-calls-25k",
    "api-calls-50k",
    "api-calls-100k",
    "api-calls-200k",
    "data-export-raw",
]


@dataclass
class AddOnArgs:
    """Inputs of an AddOn (see schemas/addon.schema.json)."""

    option: pulumi.Input[Option]
    auto_renew: pulumi.Input[bool] | None = None


class AddOnProvider(BackendProvider):
    kind = "AddOn"
    schema_name = "addon"
    collection = "/v1/addons"

    def is_gone(self, obj: dict[str, Any]) -> bool:
        return obj.get("status") == "ended" or obj.get("cancelled_at") is not None

    def post_new(self, body: dict[str, Any], identity: str) -> dict[str, Any]:
        return self.post_charged(body, identity)


class AddOn(BackendResource, module="partnerfleet", name="AddOn"):
    """An add-on option: ``AddOn("calls", option="api-calls-50k")``. Deleting it cancels it (it
    runs to the end of its paid month)."""

    option: pulumi.Output[str]
    status: pulumi.Output[str]
    price_cents: pulumi.Output[int]
    period_end: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: AddOnArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        inputs = asdict(args) if args is not None else kwargs
        super().__init__(AddOnProvider(), "AddOn", resource_name, inputs, opts)
