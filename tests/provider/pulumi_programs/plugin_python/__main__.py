"""A customer org and a license through the provider plugin, by their type tokens (no SDK)."""

import pulumi

config = pulumi.Config()
org = pulumi.CustomResource(
    "partnerfleet:index:CustomerOrg",
    "org",
    {
        "name": "Kanzlei Plug",
        "segment": "business",
        "country": "DE",
        "contactEmail": "it@plug.example",
        "reference": "plug-1",
        "status": None,
    },
)
lic = pulumi.CustomResource(
    "partnerfleet:index:License",
    "lic",
    {
        "customerId": org.id,
        "product": "dns-filter",
        "edition": "pro",
        "termMonths": 12,
        "seats": int(config.get("seats") or 5),
        "reference": "plug-1-dns",
        "licenseKey": None,
        "status": None,
    },
)
if config.get_bool("declareImported"):  # what `pulumi import` took over, now in the code
    pulumi.CustomResource(
        "partnerfleet:index:License",
        "plug-2-dns",
        {
            "customerId": org.id,
            "product": "dns-filter",
            "edition": "pro",
            "termMonths": 12,
            "seats": 3,
            "reference": "plug-2-dns",
        },
    )
if config.get("getLicense"):  # an existing license read, not managed
    seen = pulumi.CustomResource(
        "partnerfleet:index:License",
        "seen",
        {"seats": None, "status": None},
        opts=pulumi.ResourceOptions(id=config.get("getLicense")),
    )
    pulumi.export("seenSeats", seen.seats)  # type: ignore[attr-defined]
pulumi.export("org", org.id)
pulumi.export("key", lic.licenseKey)  # type: ignore[attr-defined]
