"""Whole fleets from YAML: ``load_fleet(path)`` and the ``Fleet`` component resource.

Errors name the file, the line, the customer and the field, e.g.
``examples/fleet.yaml:23: customer 'crm-1002' (Gymnasium Süd): licenses[0].edition: edition
'pro-plus' is not one of pro, proplus``.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pulumi
import yaml

from partnerfleet import schema
from partnerfleet.errors import PartnerfleetError
from partnerfleet.resources.addon import AddOn
from partnerfleet.resources.customer_org import CustomerOrg
from partnerfleet.resources.license import License
from partnerfleet.resources.support_level import SupportLevel


class FleetError(PartnerfleetError):
    """A fleet file that cannot be used; the message names file, line, customer and field."""


@dataclass(frozen=True)
class FleetCustomer:
    reference: str
    inputs: dict[str, Any]
    licenses: list[dict[str, Any]]


@dataclass(frozen=True)
class FleetSpec:
    """A loaded, validated fleet file."""

    path: Path
    customers: list[FleetCustomer]
    addons: list[dict[str, Any]] = field(default_factory=list)
    support_level: str | None = None
    support_adopt: bool = False
    protect_prepaid: bool = False


def _node_at(root: yaml.Node | None, path: list[Any]) -> yaml.Node | None:
    """The deepest YAML node along `path` (for its line number)."""
    node = root
    for step in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == step:
                    node = value
                    break
            else:
                return node
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value)
        ):
            node = node.value[step]
        else:
            return node
    return node


def _line(root: yaml.Node | None, path: list[Any]) -> int | None:
    node = _node_at(root, path)
    return node.start_mark.line + 1 if node is not None else None


def _where(path: Path, root: yaml.Node | None, data: Any, location: list[Any]) -> str:
    line = _line(root, location)
    prefix = f"{path}:{line}" if line else str(path)
    if len(location) >= 2 and location[0] == "customers" and isinstance(location[1], int):
        customers = data.get("customers") if isinstance(data, dict) else None
        customer = customers[location[1]] if isinstance(customers, list) else {}
        customer = customer if isinstance(customer, dict) else {}
        label = f"customer '{customer.get('reference', f'#{location[1] + 1}')}'"
        if customer.get("name"):
            label += f" ({customer['name']})"
        return f"{prefix}: {label}"
    return prefix


def load_fleet(path: str | Path) -> FleetSpec:
    """Read and validate a fleet file; raise FleetError naming what is wrong and where."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise FleetError(f"{path}: cannot read the fleet file: {error.strerror}") from None
    return load_fleet_text(text, path)


def load_fleet_text(text: str, path: Path) -> FleetSpec:
    """Validate a fleet file's content; errors name `path` and the line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(error, "problem", None) or str(error)
        raise FleetError(f"{where}: not valid YAML: {problem}") from None
    problems = []
    for invalid in schema.errors_of("fleet", data if data is not None else {}):
        location = list(invalid.absolute_path)
        if invalid.validator == "additionalProperties" and "'" in invalid.message:
            location.append(invalid.message.split("'")[1])
        field_path = schema.field_of(invalid)
        if field_path.startswith("customers["):
            field_path = field_path.split("].", 1)[1] if "]." in field_path else ""
        reason = schema.reason_of(invalid)
        problems.append(
            f"{_where(path, root, data, location)}: "
            f"{field_path + ': ' if field_path else ''}{reason}"
        )
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise FleetError("; ".join(dict.fromkeys(problems[:5])) + more)
    customers_data: list[dict[str, Any]] = data["customers"]
    _unique(
        path,
        root,
        data,
        [(["customers", i, "reference"], c["reference"]) for i, c in enumerate(customers_data)],
        "customer reference",
    )
    _unique(
        path,
        root,
        data,
        [
            (["customers", i, "licenses", j, "reference"], lic["reference"])
            for i, c in enumerate(customers_data)
            for j, lic in enumerate(c.get("licenses", []))
            if "reference" in lic
        ],
        "license reference",
    )
    customers = [
        FleetCustomer(
            reference=c["reference"],
            inputs={k: v for k, v in c.items() if k != "licenses"},
            licenses=[dict(lic) for lic in c.get("licenses", [])],
        )
        for c in customers_data
    ]
    return FleetSpec(
        path=path,
        customers=customers,
        addons=list(data.get("addons", [])),
        support_level=data.get("support_level"),
        support_adopt=bool(data.get("support_adopt", False)),
        protect_prepaid=bool(data.get("protect_prepaid", False)),
    )


def _unique(
    path: Path, root: yaml.Node | None, data: Any, located: list[tuple[list[Any], str]], what: str
) -> None:
    first: dict[str, list[Any]] = {}
    for location, value in located:
        if value in first:
            earlier = _line(root, first[value])
            raise FleetError(
                f"{_where(path, root, data, location)}: {location[-1]}: {what} "
                f"'{value}' is already used on line {earlier}; it must be unique"
            )
        first[value] = location


PREPAID_MONTHS = 12


def forfeits_prepaid_term(lic: dict[str, Any]) -> bool:
    """Whether deleting this license would give up prepaid term without consent."""
    term = lic.get("term_months") or 0
    return term >= PREPAID_MONTHS and not lic.get("trial") and not lic.get("allow_forfeit")


# Declares one resource of a fleet: (kind, resource name, inputs, options) -> the resource.
# The dynamic provider's classes here; the plugin's type tokens in `partnerfleet.plugin.fleet`.
Declare = Callable[[str, str, dict[str, Any], pulumi.ResourceOptions], pulumi.CustomResource]


def declare_fleet(
    spec: FleetSpec, name: str, child: pulumi.ResourceOptions, declare: Declare
) -> tuple[dict[str, pulumi.CustomResource], dict[str, pulumi.CustomResource]]:
    """Every customer org, license, add-on and the support level of `spec`, named as the
    fleet has always named them (a program that moves between providers keeps its names):
    the customer orgs and the licenses by reference."""
    customers: dict[str, pulumi.CustomResource] = {}
    licenses: dict[str, pulumi.CustomResource] = {}
    for customer in spec.customers:
        org = declare("CustomerOrg", f"{name}-{customer.reference}", customer.inputs, child)
        customers[customer.reference] = org
        seen: Counter[str] = Counter()
        for lic in customer.licenses:
            label = lic.get("reference") or f"{customer.reference}-{lic['product']}"
            seen[label] += 1
            if seen[label] > 1:
                label = f"{label}-{seen[label]}"
            opts = child
            if spec.protect_prepaid and forfeits_prepaid_term(lic):
                opts = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=True))
            licenses[label] = declare(
                "License", f"{name}-{label}", {**lic, "customer_id": org.id}, opts
            )
    counted: Counter[str] = Counter()
    for addon in spec.addons:
        counted[addon["option"]] += 1
        declare("AddOn", f"{name}-addon-{addon['option']}-{counted[addon['option']]}", addon, child)
    if spec.support_level:
        level = "premium" if spec.support_level == "premium" else "basic"
        inputs: dict[str, Any] = {"support_level": level}
        if spec.support_adopt:
            inputs["adopt"] = True
        declare("SupportLevel", f"{name}-support", inputs, child)
    return customers, licenses


def _dynamic(
    kind: str, name: str, inputs: dict[str, Any], opts: pulumi.ResourceOptions
) -> pulumi.CustomResource:
    if kind == "CustomerOrg":
        return CustomerOrg(name, opts=opts, **inputs)
    if kind == "License":
        return License(name, opts=opts, **inputs)
    if kind == "AddOn":
        return AddOn(name, opts=opts, **inputs)
    level: Literal["basic", "premium"] = (
        "premium" if inputs["support_level"] == "premium" else "basic"
    )
    return SupportLevel(name, level, opts=opts, adopt=inputs.get("adopt"))


class Fleet(pulumi.ComponentResource):
    """Every customer org, license, add-on and the support level of a fleet file."""

    customers: dict[str, pulumi.CustomResource]
    licenses: dict[str, pulumi.CustomResource]

    def __init__(
        self, name: str, path: str | Path, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        try:
            spec = load_fleet(path)
        except FleetError as error:
            raise pulumi.RunError(str(error)) from None
        super().__init__("partnerfleet:index:Fleet", name, None, opts)
        self.customers, self.licenses = declare_fleet(
            spec, name, pulumi.ResourceOptions(parent=self), _dynamic
        )
        self.register_outputs(
            {
                "customers": {ref: org.id for ref, org in self.customers.items()},
                "license_count": len(self.licenses),
            }
        )
