"""A customer org, a license, an API-call pack and the support level through the provider
plugin, with the Python SDK generated from its schema (sdk/python, `pulumi_partnerfleet`)."""

import pulumi
import pulumi_partnerfleet as partnerfleet

config = pulumi.Config()
org = partnerfleet.CustomerOrg(
    "org",
    name="Kanzlei Plug",
    segment="business",
    country="DE",
    contact_email="it@plug.example",
    reference="plug-1",
)
lic = partnerfleet.License(
    "lic",
    customer_id=org.id,
    product="dns-filter",
    edition="pro",
    term_months=12,
    seats=config.get_int("seats") or 5,
    reference="plug-1-dns",
)
partnerfleet.AddOn("calls", option="api-calls-25k")
partnerfleet.SupportLevel("support", support_level="basic")
if config.get_bool("declareImported"):  # what `pulumi import` took over, now in the code
    partnerfleet.License(
        "plug-2-dns",
        customer_id=org.id,
        product="dns-filter",
        edition="pro",
        term_months=12,
        seats=3,
        reference="plug-2-dns",
    )
if config.get("getLicense"):  # an existing license read, not managed
    seen = partnerfleet.License.get("seen", config.require("getLicense"))
    pulumi.export("seenSeats", seen.seats)
pulumi.export("org", org.id)
pulumi.export("key", lic.license_key)
