"""The edge between the engine's property values and the resources' plain values.

Names: the plugin speaks camelCase (``customerId``), as Pulumi programs in every language do;
the resources, the fleet file and the backend speak snake_case (``customer_id``). A digit after
an underscore keeps the underscore (``api_calls_25k`` <-> ``apiCalls_25k``), so every name
comes back as it went. The resources' own bookkeeping keys (``pf_...``) are never renamed.

Values: numbers come as floats (5 as 5.0; integral ones become ints again), a value not known
yet (preview) as the SDK's wire marker that the resources already recognise (and that goes
back as it is: the SDK cannot marshal its own `Computed` values at 3.259.0), secrets are
unwrapped and remembered by name so that what went in secret comes out secret.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pulumi.provider.experimental.property_value import PropertyValue, PropertyValueType
from pulumi.runtime import rpc

UNKNOWN = rpc.UNKNOWN
OWN = "pf_"  # the resources' bookkeeping keys, kept as they are

_TO_CAMEL = re.compile(r"_([a-z])")
_TO_SNAKE = re.compile(r"([A-Z])")


def camel(name: str) -> str:
    if name.startswith(OWN):
        return name
    return _TO_CAMEL.sub(lambda m: m.group(1).upper(), name)


def snake(name: str) -> str:
    if name.startswith(OWN):
        return name
    return _TO_SNAKE.sub(lambda m: "_" + m.group(1).lower(), name)


def camel_path(path: str) -> str:
    """A check failure's property path (``access_products[0]``) in the program's names."""
    return ".".join(camel(part) for part in path.split("."))


def _plain(value: PropertyValue) -> Any:
    kind = value.type
    if kind == PropertyValueType.COMPUTED:
        return UNKNOWN
    if kind == PropertyValueType.NUMBER:
        number = float(value.value)  # type: ignore[arg-type]
        return int(number) if number.is_integer() else number
    if kind == PropertyValueType.ARRAY:
        array: Sequence[PropertyValue] = value.value  # type: ignore[assignment]
        return [_plain(item) for item in array]
    if kind == PropertyValueType.MAP:
        items: Mapping[str, PropertyValue] = value.value  # type: ignore[assignment]
        return {snake(k): _plain(v) for k, v in items.items()}
    if kind in (PropertyValueType.NULL, PropertyValueType.BOOL, PropertyValueType.STRING):
        return value.value
    raise ValueError(f"partnerfleet takes no {kind.value} values")


def to_plain(values: Mapping[str, PropertyValue]) -> tuple[dict[str, Any], set[str]]:
    """The plain values by snake_case name, and the names whose values were secret."""
    plain = {snake(k): _plain(v) for k, v in values.items()}
    secret = {snake(k) for k, v in values.items() if v.contains_secret()}
    return plain, secret


def _wire(value: Any) -> PropertyValue:
    if isinstance(value, PropertyValue):
        return value
    if value is None or isinstance(value, bool | str):
        return PropertyValue(value)
    if isinstance(value, int | float):
        return PropertyValue(float(value))
    if isinstance(value, Mapping):
        return PropertyValue({camel(str(k)): _wire(v) for k, v in value.items()})
    if isinstance(value, Iterable):
        return PropertyValue([_wire(item) for item in value])
    raise TypeError(f"no property value for {type(value).__name__}")


def to_wire(values: Mapping[str, Any], secret: Iterable[str] = ()) -> dict[str, PropertyValue]:
    """Property values by camelCase name; the names in `secret` (snake_case) wrapped secret."""
    hidden = set(secret)
    return {
        camel(k): _wire(v).with_secret(k in hidden and v is not None) for k, v in values.items()
    }
