"""partnerfleet resources written out by hand (without a fleet file)."""

import pulumi

from partnerfleet import AddOn, CustomerOrg, License, Partner, SupportLevel

config = pulumi.Config()

profile = Partner(
    "profile",
    billing_email="billing@demo-msp.example",
    support_contact={
        "phone": "+49 30 1234567",
        "email": "support@demo-msp.example",
        "hours": "Mo-Fr 8-18",
    },
)

school = CustomerOrg(
    "gesamtschule",
    name="Gesamtschule West",
    segment="school",
    country="DE",
    contact_email="it@gesamtschule-west.example",
    reference="crm-9001",
)

dns = License(
    "gesamtschule-dns",
    customer_id=school.id,
    product="dns-filter",
    edition=config.get("edition") or "proplus",
    term_months=12,
    seats=config.get_int("seats") or 100,
    reference="crm-9001-dns",
)

calls = AddOn("api-calls", option="api-calls-25k")
support = SupportLevel("support", support_level=config.get("supportLevel") or "basic")

pulumi.export("customer_id", school.id)
pulumi.export("license_id", dns.id)
pulumi.export("license_key", dns.license_key)
pulumi.export("seats", dns.seats)
pulumi.export("seats_next_term", dns.seats_next_term)
pulumi.export("level", profile.level)
