"""The example fleet: every customer org, license and add-on of a fleet file.

The file comes from the stack config `fleetFile` (default: examples/fleet.yaml).
"""

from pathlib import Path

import pulumi

import partnerfleet

config = pulumi.Config()
examples = Path(__file__).resolve().parent.parent
fleet_file = config.get("fleetFile") or str(examples / "fleet.yaml")

fleet = partnerfleet.Fleet("fleet", path=fleet_file)

pulumi.export("customers", {ref: org.id for ref, org in fleet.customers.items()})
pulumi.export("licenses", {ref: lic.id for ref, lic in fleet.licenses.items()})
pulumi.export(
    "monthly_nominal_cents",
    pulumi.Output.all(*[lic.monthly_nominal_cents for lic in fleet.licenses.values()]).apply(
        lambda values: sum(int(v or 0) for v in values)
    ),
)
