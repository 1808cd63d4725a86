"""CustomerOrg: a customer organisation of the partner."""

from dataclasses import asdict, dataclass
from typing import Any, Literal

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult

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

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Besides the schema: a program asking for more access than the customer granted
        (as the last read or refresh found it) is refused at preview, saying who grants it."""
        result = super().check(olds, news)
        if olds:
            wider = wider_than_granted(self.inputs(olds).known, self.inputs(news).known)
            if wider is not None:
                result.failures.append(CheckFailure("access", wider))
        return result


def wider_than_granted(granted: dict[str, Any], asked: dict[str, Any]) -> str | None:
    """Why `asked` asks for more access than `granted`, or None: the customer grants it; the
    partner's key never widens it."""
    if granted.get("access") != "limited" or "access" not in asked:
        return None
    held = granted.get("access_products")  # known when the program names products too
    if asked["access"] == "full":
        more = "full access"
    else:
        extra = sorted(set(asked.get("access_products") or []) - set(held or []))
        if held is None or not extra:
            return None
        more = f"access to {', '.join(extra)}"
    products = f" ({', '.join(sorted(held))})" if held else ""
    return (
        f"the customer granted you limited access{products} "
        f"and this program asks for {more}: only the customer's admins (in the portal) or the "
        "vendor widen it. Ask them, or declare the access they granted"
    )


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
