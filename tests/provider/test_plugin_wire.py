"""The plugin's edge: values of the engine to the resources' plain values and back, names
camelCase on the wire and snake_case inside, secrets kept secret."""

from typing import Any

from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.runtime import rpc

from partnerfleet.plugin.wire import camel, snake, to_plain, to_wire


def test_names_come_back_as_they_went() -> None:
    for name in ("customer_id", "api_calls_25k", "seats", "pf_identity", "monthly_nominal_cents"):
        assert snake(camel(name)) == name
    assert camel("customer_id") == "customerId"
    assert camel("pf_inputs") == "pf_inputs"  # the resources' own keys are never renamed


def test_values_round_trip_with_their_secrets() -> None:
    plain = {
        "customer_id": "cus_1",
        "seats": 25,
        "price": 12.5,
        "auto_renew": True,
        "reference": None,
        "addons": [{"option_name": "api_calls_25k", "count": 2}],
        "license_key": "PF-KEY",
    }
    wire = to_wire(plain, {"license_key"})
    assert set(wire) == {
        "customerId",
        "seats",
        "price",
        "autoRenew",
        "reference",
        "addons",
        "licenseKey",
    }
    assert wire["seats"] == PropertyValue(25.0)  # numbers are floats on the wire
    assert wire["licenseKey"].is_secret and not wire["seats"].is_secret
    addons: Any = wire["addons"].value
    assert addons[0].value["optionName"] == PropertyValue("api_calls_25k")
    back, secret = to_plain(wire)
    assert back == plain and type(back["seats"]) is int
    assert secret == {"license_key"}


def test_a_secret_inside_a_list_marks_its_property_secret() -> None:
    nested = {"tags": PropertyValue([PropertyValue("a"), PropertyValue("b", is_secret=True)])}
    _, secret = to_plain(nested)
    assert secret == {"tags"}


def test_a_value_not_known_yet_is_the_wire_marker() -> None:
    back, _ = to_plain({"id": PropertyValue(Computed()), "seats": PropertyValue(3.0)})
    assert back == {"id": rpc.UNKNOWN, "seats": 3}
    assert to_wire({"id": rpc.UNKNOWN})["id"] == PropertyValue(rpc.UNKNOWN)
