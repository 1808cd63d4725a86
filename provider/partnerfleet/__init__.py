"""partnerfleet: partner-program licensing as code (Pulumi dynamic provider).

Importing the package applies the workaround for the Pulumi SDK's provider-serialization bug
(see ``partnerfleet.sdk_fixes``), so programs with thousands of resources work.
"""

from partnerfleet.sdk_fixes import apply_sdk_fixes

apply_sdk_fixes()

__all__ = ["apply_sdk_fixes"]
