"""License: one customer org x one product x edition x term x seats."""

from dataclasses import asdict, dataclass
from typing import Any, Literal

import pulumi

from partnerfleet.resources.props import State
from partnerfleet.resources.provider import BackendProvider
from partnerfleet.resources.resource import BackendResource

NEXT_TERM = {
    "seats": "seats_next_term",
    "edition": "edition_next_term",
    "term_months": "term_months_next_term",
}


@dataclass
class LicenseArgs:
    """Inputs of a License (see schemas/license.schema.json)."""

    customer_id: pulumi.Input[str]
    product: pulumi.Input[Literal["dns-filter", "mail", "firewall", "vuln-scanner"]]
    edition: pulumi.Input[Literal["pro", "proplus", "standard"]]
    term_months: pulumi.Input[Literal[1, 12, 24, 36, 48, 60]] | None = None
    seats: pulumi.Input[int] | None = None
    auto_renew: pulumi.Input[bool] | None = None
    trial: pulumi.Input[bool] | None = None
    reference: pulumi.Input[str] | None = None
    adopt: bool | None = None
    allow_forfeit: bool | None = None


class LicenseProvider(BackendProvider):
    kind = "License"
    schema_name = "license"
    collection = "/v1/licenses"

    def desired_before(self, state: State) -> dict[str, Any]:
        """A decrease or downgrade waiting for the renewal is what was asked for."""
        desired = super().desired_before(state)
        for field, pending in NEXT_TERM.items():
            if state.outputs.get(pending) is not None:
                desired[field] = state.outputs[pending]
        return desired

    def inputs_from(self, obj: dict[str, Any], state: State) -> dict[str, Any]:
        inputs = super().inputs_from(obj, state)
        for field, pending in NEXT_TERM.items():
            if obj.get(pending) is not None:
                inputs[field] = obj[pending]
        return inputs

    def is_gone(self, obj: dict[str, Any]) -> bool:
        return obj.get("status") == "cancelled"

    def post_new(self, body: dict[str, Any], identity: str) -> dict[str, Any]:
        return self.post_charged(body, identity)


class License(BackendResource, module="partnerfleet", name="License"):
    """A license. ``License("x", customer_id=org.id, product="dns-filter", edition="proplus",
    term_months=12, seats=100)``. The license key is a secret output."""

    customer_id: pulumi.Output[str]
    product: pulumi.Output[str]
    edition: pulumi.Output[str]
    seats: pulumi.Output[int]
    seats_next_term: pulumi.Output[int | None]
    used_seats: pulumi.Output[int | None]
    status: pulumi.Output[str]
    license_key: pulumi.Output[str]
    monthly_nominal_cents: pulumi.Output[int]
    ends_at: pulumi.Output[str | None]
    version: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        args: LicenseArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        inputs = asdict(args) if args is not None else kwargs
        super().__init__(LicenseProvider(), "License", resource_name, inputs, opts)
