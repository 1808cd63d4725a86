"""partnerfleet: partner-program licensing as code (a Pulumi dynamic provider).

Importing the package applies the workaround for the Pulumi SDK's provider-serialization bug
(see ``partnerfleet.sdk_fixes``), so programs with thousands of resources work.
"""

from partnerfleet.sdk_fixes import apply_sdk_fixes

apply_sdk_fixes()

from partnerfleet.fleet import Fleet, FleetError, FleetSpec, load_fleet  # noqa: E402
from partnerfleet.functions import get_catalog, get_level, get_quota, get_wallet  # noqa: E402
from partnerfleet.resources.addon import AddOn, AddOnArgs  # noqa: E402
from partnerfleet.resources.customer_org import CustomerOrg, CustomerOrgArgs  # noqa: E402
from partnerfleet.resources.license import License, LicenseArgs  # noqa: E402
from partnerfleet.resources.partner import Partner, PartnerArgs  # noqa: E402
from partnerfleet.resources.support_level import SupportLevel  # noqa: E402

__all__ = [
    "AddOn",
    "AddOnArgs",
    "CustomerOrg",
    "CustomerOrgArgs",
    "Fleet",
    "FleetError",
    "FleetSpec",
    "License",
    "LicenseArgs",
    "Partner",
    "PartnerArgs",
    "SupportLevel",
    "apply_sdk_fixes",
    "get_catalog",
    "get_level",
    "get_quota",
    "get_wallet",
    "load_fleet",
]
