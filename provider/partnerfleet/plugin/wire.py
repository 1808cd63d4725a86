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
from collections.abc import Iterable, Mapping
from functools import cache
from types import MappingProxyType
from typing import Any

from pulumi.provider.experimental.property_value import PropertyValue, PropertyValueType
from pulumi.runtime import rpc

UNKNOWN = rpc.UNKNOWN
OWN = "pf_"  # the resources' bookkeeping keys, kept as they are

_TO_CAMEL = re.compile(r"_([a-z])")
_TO_SNAKE = re.compile(r"([A-Z])")


@cache
def camel(name: str) -> str:
    if name.startswith(OWN):
        return name
    return _TO_CAMEL.sub(lambda m: m.group(1).upper(), name)


@cache
def snake(name: str) -> str:
    if name.startswith(OWN):
        return name
    return _TO_SNAKE.sub(lambda m: "_" + m.group(1).lower(), name)


def camel_path(path: str) -> str:
    """A check failure's property path (``access_products[0]``) in the program's names."""
    return ".".join(camel(part) for part in path.split("."))


# A refresh translates every property of every resource twice: the values are told apart by
# their Python type (what `PropertyValue.type` finds by a chain of isinstance checks), and a
# value is made once with its secret mark (not made, then copied by `with_secret`).


def _plain(value: PropertyValue) -> Any:
    inner: Any = value.value
    kind = type(inner)
    if inner is None or kind is bool or kind is str:
        return inner
    if kind is float:
        return int(inner) if inner.is_integer() else inner
    if kind is tuple:
        return [_plain(item) for item in inner]
    if kind is MappingProxyType:
        return {snake(k): _plain(v) for k, v in inner.items()}
    if value.type == PropertyValueType.COMPUTED:
        return UNKNOWN
    raise ValueError(f"partnerfleet takes no {value.type.value} values")


def _secret(value: PropertyValue) -> bool:
    if value.is_secret:
        return True
    inner: Any = value.value
    if type(inner) is tuple:
        return any(_secret(item) for item in inner)
    if type(inner) is MappingProxyType:
        return any(_secret(item) for item in inner.values())
    return False


def to_plain(values: Mapping[str, PropertyValue]) -> tuple[dict[str, Any], set[str]]:
    """The plain values by snake_case name, and the names whose values were secret."""
    plain = {snake(k): _plain(v) for k, v in values.items()}
    secret = {snake(k) for k, v in values.items() if _secret(v)}
    return plain, secret


def _wire(value: Any, secret: bool = False) -> PropertyValue:
    if isinstance(value, PropertyValue):
        return value.with_secret(secret) if secret else value
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return PropertyValue(value, is_secret=secret)
    if kind is int or kind is float:
        return PropertyValue(float(value), is_secret=secret)
    if isinstance(value, Mapping):
        items = {camel(str(k)): _wire(v) for k, v in value.items()}
        return PropertyValue(items, is_secret=secret)
    if isinstance(value, Iterable):
        return PropertyValue([_wire(item) for item in value], is_secret=secret)
    raise TypeError(f"no property value for {type(value).__name__}")


def to_wire(values: Mapping[str, Any], secret: Iterable[str] = ()) -> dict[str, PropertyValue]:
    """Property values by camelCase name; the names in `secret` (snake_case) wrapped secret."""
    hidden = set(secret)
    return {camel(k): _wire(v, k in hidden and v is not None) for k, v in values.items()}
