"""The JSON Schemas of ``schemas/``: loading, and messages that name the property and reason."""

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

SCHEMA_FILES = ("customer_org", "license", "addon", "support_level", "partner", "fleet")


@cache
def _registry() -> Registry:
    registry: Registry = Registry()
    for name in SCHEMA_FILES:
        document = load(name)
        resource = Resource.from_contents(document)
        registry = registry.with_resources(
            [(document["$id"], resource), (f"{name}.schema.json", resource)]
        )
    return registry


@cache
def load(name: str) -> dict[str, Any]:
    """One schema document, e.g. ``load("license")``."""
    text = resources.files("partnerfleet").joinpath("schemas", f"{name}.schema.json").read_text()
    document: dict[str, Any] = json.loads(text)
    return document


@cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load(name), registry=_registry())


def field_of(error: ValidationError) -> str:
    """The dotted path of the property an error is about."""
    path = [str(p) if not isinstance(p, int) else f"[{p}]" for p in error.absolute_path]
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else ""
        path.append(missing)
    elif error.validator == "additionalProperties" and "'" in error.message:
        path.append(str(error.message).split("'")[1])
    return ".".join(path).replace(".[", "[")


# What a person reads for each kind of rule broken ({field}, the value, what was expected).
REASONS = {
    "enum": "{field} {value!r} is not one of {choices}",
    "const": "{field} must be {expected!r}",
    "minimum": "{field} must be at least {expected}",
    "maximum": "{field} must be at most {expected}",
    "required": "{field} is required",
    "type": "{field} must be of type {expected}, not {kind}",
    "additionalProperties": "unknown property '{field}'",
    "maxLength": "{field} must be at most {expected} characters",
    "pattern": "{field} {value!r} does not look right (expected pattern {expected})",
    "not": "{field} must not be set here",
    "minItems": "{field} needs at least {expected} item(s)",
}


def reason_of(error: ValidationError) -> str:
    """A short sentence a person can act on."""
    field = field_of(error).rsplit(".", 1)[-1] or "value"
    kind, value = error.validator, error.instance
    expected: Any = error.validator_value
    if kind == "minLength":
        return f"{field} must not be empty" if expected == 1 else f"{field} is too short"
    reason = REASONS.get(str(kind))
    if reason is None:
        return f"{field}: {error.message}"
    choices = ", ".join(map(str, expected)) if kind == "enum" else ""
    return reason.format(
        field=field, value=value, expected=expected, choices=choices, kind=type(value).__name__
    )


def errors_of(name: str, instance: Any) -> list[ValidationError]:
    """Every validation error, the most specific ones (best first)."""
    found = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    flat: list[ValidationError] = []
    for error in found:
        flat.extend(_leaves(error))
    # one message per property and kind: the most specific rule (deepest in the schema) wins
    best: dict[tuple[str, str], ValidationError] = {}
    for error in flat:
        key = (field_of(error), str(error.validator))
        if key not in best or len(error.schema_path) > len(best[key].schema_path):
            best[key] = error
    return list(best.values())


def _leaves(error: ValidationError) -> list[ValidationError]:
    if error.context and error.validator in ("anyOf", "oneOf", "allOf"):
        leaves: list[ValidationError] = []
        for sub in error.context:
            leaves.extend(_leaves(sub))
        return leaves
    return [error]
