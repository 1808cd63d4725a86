"""The JSON Schemas: valid, documented, and the fleet file in step with the resources."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from partnerfleet import schema
from tests.support.paths import SCHEMAS


@pytest.mark.parametrize("path", sorted(SCHEMAS.glob("*.schema.json")), ids=lambda p: p.name)
def test_every_schema_is_valid_and_every_property_documented(path: Path) -> None:
    document = json.loads(path.read_text())
    Draft202012Validator.check_schema(document)
    assert document.get("description")
    for name, prop in document.get("properties", {}).items():
        if path.name != "fleet.schema.json":
            assert prop.get("description"), f"{path.name}: {name} has no description"


def test_the_fleet_file_speaks_the_resources_language() -> None:
    fleet = schema.load("fleet")
    customer = fleet["properties"]["customers"]["items"]
    license_ = customer["properties"]["licenses"]["items"]
    assert {k: v for k, v in customer["properties"].items() if k != "licenses"} == schema.load(
        "customer_org"
    )["properties"]
    expected = {k: v for k, v in schema.load("license")["properties"].items() if k != "customer_id"}
    assert license_["properties"] == expected
    assert license_["allOf"] == schema.load("license")["allOf"]


def test_the_example_fleet_is_valid_and_realistic() -> None:
    spec = schema.errors_of(
        "fleet",
        __import__("yaml").safe_load((SCHEMAS.parent / "examples" / "fleet.yaml").read_text()),
    )
    assert spec == []
    from partnerfleet import load_fleet

    fleet = load_fleet(SCHEMAS.parent / "examples" / "fleet.yaml")
    assert len(fleet.customers) >= 12
    assert {c.inputs["segment"] for c in fleet.customers} == {"business", "public_admin", "school"}
    licenses = [lic for c in fleet.customers for lic in c.licenses]
    assert {lic["product"] for lic in licenses} == {
        "dns-filter",
        "mail",
        "firewall",
        "vuln-scanner",
    }
    assert {lic.get("term_months") for lic in licenses} >= {1, 12, 24, 36, 48, 60, None}
    assert {lic["edition"] for lic in licenses} == {"pro", "proplus", "standard"}


class TestLoadFleet:
    def write(self, tmp_path: Path, text: str) -> Path:
        path = tmp_path / "fleet.yaml"
        path.write_text(text)
        return path

    def test_errors_name_file_line_customer_and_field(self, tmp_path: Path) -> None:
        from partnerfleet import FleetError, load_fleet

        path = self.write(
            tmp_path,
            """customers:
  - reference: crm-1
    name: Schule
    segment: school
    country: DE
    contact_email: a@b.de
    licenses:
      - product: dns-filter
        edition: pro
        term_months: 7
        seats: 10
""",
        )
        with pytest.raises(FleetError) as error:
            load_fleet(path)
        assert str(error.value) == (
            f"{path}:10: customer 'crm-1' (Schule): "
            "licenses[0].term_months: term_months 7 is not one of "
            "1, 12, 24, 36, 48, 60"
        )

    def test_duplicate_references_are_refused(self, tmp_path: Path) -> None:
        from partnerfleet import FleetError, load_fleet

        one = (
            "  - {reference: crm-1, name: A, segment: school, country: DE, contact_email: a@b.de}\n"
        )
        path = self.write(tmp_path, "customers:\n" + one + one)
        with pytest.raises(
            FleetError,
            match=r"fleet.yaml:3: customer 'crm-1' \(A\): reference: "
            r"customer reference 'crm-1' is already used on line 2",
        ):
            load_fleet(path)

    def test_broken_yaml_names_the_line(self, tmp_path: Path) -> None:
        from partnerfleet import FleetError, load_fleet

        path = self.write(tmp_path, "customers:\n  - reference: [a\n")
        with pytest.raises(FleetError, match=r"fleet.yaml:3: not valid YAML"):
            load_fleet(path)
