"""Values as the engine hands them over: unknowns during preview, integers sent as floats."""

from typing import Any

from pulumi.output import Unknown
from pulumi.runtime import rpc


def is_unknown(value: Any) -> bool:
    """Whether a value is not known yet (preview): the SDK's Unknown, or its wire form."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


def plain(value: Any) -> Any:
    """Integers back from floats (the engine sends 5 as 5.0), recursively."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
