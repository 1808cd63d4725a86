"""License: one customer org x one product x edition x term x seats."""

from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Literal

import pulumi

from partnerfleet.resources._base import BackendProvider, plain
from partnerfleet.resources._resource import BackendResource

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
    term_months: pulumi.Input[int] | None = None
    seats: pulumi.Input[int] | None = None
    auto_renew: pulumi.Input[bool] | None = None
    trial: pulumi.Input[bool] | None = None
    reference: pulumi.Input[str] | None = None
    adopt: bool | None = None


class LicenseProvider(BackendProvider):
    kind = "License"
    schema_name = "license"
    collection = "/v1/licenses"
    replace_on = frozenset({"customer_id", "product", "trial"})
    outputs: ClassVar[tuple[str, ...]] = (
        "customer_id",
        "product",
        "edition",
        "edition_next_term",
        "term_months",
        "term_months_next_term",
        "seats",
        "seats_next_term",
        "used_seats",
        "auto_renew",
        "trial",
        "status",
        "reference",
        "client_reference",
        "license_key",
        "monthly_nominal_cents",
        "starts_at",
        "ends_at",
        "cancelled_at",
        "created_at",
        "updated_at",
        "version",
    )

    def desired_from_outputs(self, olds: dict[str, Any]) -> dict[str, Any]:
        """A decrease or downgrade waiting for the renewal is what was asked for."""
        desired = super().desired_from_outputs(olds)
        for field, pending in NEXT_TERM.items():
            if olds.get(pending) is not None:
                desired[field] = plain(olds[pending])
        return desired

    def inputs_from(self, obj: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
        inputs = super().inputs_from(obj, props)
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
        super().__init__(
            LicenseProvider(),
            "License",
            resource_name,
            inputs,
            opts,
            secret_outputs=("license_key",),
        )
