"""The property bags the engine hands to a provider, parsed into typed objects at the edge.

`Inputs` are what the program asks for (`news`), `State` what the last operation recorded
(`olds`, the outputs). Both know their resource's declaration (`ResourceSpec`).
"""

from dataclasses import dataclass
from typing import Any

from partnerfleet.resources.identity import ASKED_KEY, IDENTITY_KEY
from partnerfleet.resources.spec import ResourceSpec
from partnerfleet.resources.values import is_unknown, plain


@dataclass(frozen=True)
class Inputs:
    """The declared inputs the program set (None means not set), and the resource's identity."""

    spec: ResourceSpec
    values: dict[str, Any]
    identity: str

    @classmethod
    def parse(cls, spec: ResourceSpec, props: dict[str, Any]) -> "Inputs":
        values = {k: plain(props[k]) for k in spec.inputs if props.get(k) is not None}
        return cls(spec, values, str(props.get(IDENTITY_KEY) or ""))

    @property
    def unknown(self) -> frozenset[str]:
        """Inputs whose values are not known yet (preview)."""
        return frozenset(k for k, v in self.values.items() if is_unknown(v))

    @property
    def known(self) -> dict[str, Any]:
        return {k: v for k, v in self.values.items() if not is_unknown(v)}

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def asked(self, name: str) -> bool:
        """Whether the program asked for `name` (set, or defaulted by the schema)."""
        return name in self.values or name in self.spec.defaults

    def desired(self, name: str) -> Any:
        """The value asked for, the schema's default when not set."""
        return self.values.get(name, self.spec.defaults.get(name))

    @property
    def label(self) -> str:
        """How messages name the resource: its reference, else its Pulumi name."""
        return str(self.values.get("reference") or self.identity.rsplit("/", 1)[-1] or "(unnamed)")

    def create_body(self) -> dict[str, Any]:
        """What a create sends: every input but the create-only flags."""
        return {k: v for k, v in self.values.items() if k not in self.spec.create_only}

    def record(self) -> dict[str, Any]:
        """What the outputs keep of the program's side: the identity, which inputs it set, and
        the create-only flags (a refresh gives back exactly these, and nothing it did not ask)."""
        kept = {k: v for k, v in self.values.items() if k in self.spec.create_only}
        return {IDENTITY_KEY: self.identity, ASKED_KEY: sorted(self.values), **kept}

    def wire(self) -> dict[str, Any]:
        """The checked inputs as they go back to the engine (with the identity)."""
        wired = dict(self.values)
        if self.identity:
            wired[IDENTITY_KEY] = self.identity
        return wired


@dataclass(frozen=True)
class State:
    """The outputs an operation recorded: what the backend held then."""

    spec: ResourceSpec
    outputs: dict[str, Any]
    identity: str

    @classmethod
    def parse(cls, spec: ResourceSpec, props: dict[str, Any]) -> "State":
        return cls(spec, plain(dict(props)), str(props.get(IDENTITY_KEY) or ""))

    @property
    def version(self) -> int | None:
        value = self.outputs.get("version")
        return value if isinstance(value, int) else None

    def inputs_as_held(self) -> dict[str, Any]:
        """The inputs as the recorded outputs show them."""
        return {k: self.outputs.get(k) for k in self.spec.inputs}

    @property
    def asked(self) -> list[str] | None:
        """The inputs the program set, as recorded (None in a state from before they were)."""
        names = self.outputs.get(ASKED_KEY)
        return [str(n) for n in names] if isinstance(names, list) else None

    def record(self) -> dict[str, Any]:
        """The program's side of the recorded outputs, carried over (a refresh)."""
        kept = {k: self.outputs[k] for k in self.spec.create_only if k in self.outputs}
        recorded: dict[str, Any] = {IDENTITY_KEY: self.identity, **kept}
        if self.asked is not None:
            recorded[ASKED_KEY] = self.asked
        return recorded

    def kept(self, name: str) -> Any:
        """An input that only the program knows (adopt, the identity): carried over."""
        return self.outputs.get(name)
