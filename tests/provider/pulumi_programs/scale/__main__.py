"""`count` customer orgs; `renamed` of them get a new name (a change of k resources)."""

import pulumi

from partnerfleet import CustomerOrg

config = pulumi.Config()
count = config.get_int("count") or 2000
renamed = config.get_int("renamed") or 0
for i in range(count):
    CustomerOrg(
        f"org-{i}",
        name=f"Org {i}{' (renamed)' if i < renamed else ''}",
        segment="business",
        country="DE",
        contact_email=f"it{i}@example.org",
        reference=f"scale-{i}",
    )
pulumi.export("count", count)
