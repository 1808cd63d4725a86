"""`count` customer orgs through the provider plugin (the generated SDK), as `scale` declares
them through the dynamic provider."""

import pulumi
import pulumi_partnerfleet as partnerfleet

config = pulumi.Config()
count = config.get_int("count") or 1000
for i in range(count):
    partnerfleet.CustomerOrg(
        f"org-{i}",
        name=f"Org {i}",
        segment="business",
        country="DE",
        contact_email=f"it{i}@example.org",
        reference=f"scale-{i}",
    )
pulumi.export("count", count)
