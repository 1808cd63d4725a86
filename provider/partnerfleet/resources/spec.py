"""A resource's one declaration, read from its JSON Schema in ``schemas/``.

The schema's ``properties`` are the inputs (with their defaults); its ``x-partnerfleet`` block
names the inputs whose change replaces the object, the program's own flags that are never sent
(create-only), the inputs sent when the object is created and never changed from the program
afterwards (set on create: a customer's access, which the customer grants), the outputs a
program can use and the outputs kept secret in the state. Nothing of this is repeated in
Python.
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

from partnerfleet import schema


@dataclass(frozen=True)
class ResourceSpec:
    schema_name: str
    inputs: tuple[str, ...]
    defaults: dict[str, Any]
    replace_on: frozenset[str]
    create_only: frozenset[str]
    set_on_create: frozenset[str]
    outputs: tuple[str, ...]
    secret_outputs: tuple[str, ...]

    @property
    def updatable(self) -> tuple[str, ...]:
        """Inputs a change sends to the backend in place."""
        return tuple(
            name
            for name in self.inputs
            if name not in self.replace_on | self.create_only | self.set_on_create
        )


@cache
def load_spec(schema_name: str) -> ResourceSpec:
    """The declaration of the resource whose schema is ``schemas/<schema_name>.schema.json``."""
    document = schema.load(schema_name)
    properties: dict[str, Any] = document["properties"]
    declared: dict[str, Any] = document.get("x-partnerfleet", {})
    spec = ResourceSpec(
        schema_name=schema_name,
        inputs=tuple(properties),
        defaults={k: v["default"] for k, v in properties.items() if "default" in v},
        replace_on=frozenset(declared.get("replaceOnChanges", ())),
        create_only=frozenset(declared.get("createOnly", ())),
        set_on_create=frozenset(declared.get("setOnCreate", ())),
        outputs=tuple(declared.get("outputs", ())),
        secret_outputs=tuple(declared.get("secretOutputs", ())),
    )
    unknown = (spec.replace_on | spec.create_only | spec.set_on_create) - set(spec.inputs)
    if unknown:
        raise ValueError(f"{schema_name}: x-partnerfleet names no input {sorted(unknown)}")
    return spec
