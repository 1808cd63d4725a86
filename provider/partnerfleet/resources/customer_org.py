"""CustomerOrg: a customer organisation of the partner."""

from dataclasses import asdict, dataclass
from typing import Any, Literal

import pulumi

from partnerfleet.resources.provider import BackendProvider
from partnerfleet.resources.resource import BackendResource


@dataclass
class CustomerOrgArgs:
    """Inputs of a CustomerOrg (see schemas/customer_org.schema.json)."""

    name: pulumi.Input[str]
    segment: pulumi.Input[Literal["business", "public_admin", "school"]]
    country: pulumi.Input[str]
    contact_email: pulumi.Input[str]
    reference: pulumi.Input[str]
    support_by: pulumi.Input[Literal["partner", "vendor"]] | None = None
    access: pulumi.Input[Literal["full", "limited"]] | None = None
    access_products: pulumi.Input[list[str]] | None = None
    logo_url: pulumi.Input[str] | None = None
    adopt: bool | None = None


class CustomerOrgProvider(BackendProvider):
    kind = "CustomerOrg"
    schema_name = "customer_org"
    collection = "/v1/customers"


class CustomerOrg(BackendResource, module="partnerfleet", name="CustomerOrg"):
    """A customer org. ``CustomerOrg("gym", CustomerOrgArgs(name=..., segment="school", ...))``
    or with keyword arguments of the same names."""

    name: pulumi.Output[str]
    segment: pulumi.Output[str]
    reference: pulumi.Output[str]
    status: pulumi.Output[str]
    version: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        args: CustomerOrgArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        inputs = asdict(args) if args is not None else kwargs
        super().__init__(CustomerOrgProvider(), "CustomerOrg", resource_name, inputs, opts)
