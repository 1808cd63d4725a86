"""AddOn: an add-on option, a month at a time."""

from dataclasses import asdict, dataclass
from typing import Any, Literal

import pulumi
from pulumi.dynamic import CreateResult

from partnerfleet import errors
from partnerfleet.client import Client
from partnerfleet.errors import user_errors
from partnerfleet.resources.identity import client_reference
from partnerfleet.resources.provider import BackendProvider
from partnerfleet.resources.resource import BackendResource

CURRENT = ("active", "included", "requested")  # statuses of an add-on in force

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
    adopt: bool | None = None


class AddOnProvider(BackendProvider):
    kind = "AddOn"
    schema_name = "addon"
    collection = "/v1/addons"

    def is_gone(self, obj: dict[str, Any]) -> bool:
        return obj.get("status") == "ended" or obj.get("cancelled_at") is not None

    def post_new(self, body: dict[str, Any], identity: str) -> dict[str, Any]:
        return self.post_charged(body, identity)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """With `adopt`, an add-on of this option that no program manages is claimed instead
        of buying another; without it, a single option held already is named in the error."""
        inputs = self.inputs(props)
        with user_errors(f"AddOn '{inputs.label}': create failed"):
            if inputs.get("adopt"):
                found = unclaimed(self.client(), str(inputs.get("option")))
                if found is not None:
                    obj = claim(self.client(), found, inputs.identity, inputs.create_body())
                    return CreateResult(obj["id"], self.outs(self.remember(obj), inputs.record()))
            try:
                obj = self.post_new(inputs.create_body(), inputs.identity)
            except errors.Conflict as conflict:
                if conflict.code != "addon_already_active":
                    raise
                raise errors.Conflict(
                    f"{conflict.message}: it was bought outside this program; set adopt=True "
                    "(adopt: true in a fleet file) to manage it from here",
                    existing_id=conflict.existing_id,
                ) from None
        return CreateResult(obj["id"], self.outs(self.remember(obj), inputs.record()))


def unclaimed(client: Client, option: str) -> dict[str, Any] | None:
    """The oldest add-on `option` in force that no program manages."""
    for addon in client.list_all("/v1/addons", option=option):
        current = addon["status"] in CURRENT and addon.get("cancelled_at") is None
        if current and addon.get("client_reference") is None:
            return addon
    return None


def claim(
    client: Client, addon: dict[str, Any], identity: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Mark an add-on as this resource's (its client_reference) and bring renewal in line."""
    changes: dict[str, Any] = {"client_reference": client_reference(identity, body)}
    if "auto_renew" in body and body["auto_renew"] != addon.get("auto_renew"):
        changes["auto_renew"] = body["auto_renew"]
    claimed: dict[str, Any] = client.patch(
        f"/v1/addons/{addon['id']}", changes, if_match=addon.get("version")
    )
    return claimed


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
