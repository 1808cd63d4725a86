"""The partnerfleet policy pack: rules an MSP's lead sets for its fleets.

Run it with ``pulumi preview --policy-pack policy`` (configure it with
``--policy-pack-config policy-config.json``). A pack sees the resources a program declares,
never the ones it removes, and never their previous values: that is why a removal that would
forfeit prepaid term is blocked through Pulumi's ``protect`` (which the engine enforces on
delete and replace) and this pack makes that protection mandatory; how much a change costs or
forfeits is ``partnerfleet plan``'s job.
"""

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

# A resource's kind by its type token: the Python dynamic provider's, or the provider plugin's
# (every language; its property names are camelCase, read here as snake_case).
DYNAMIC, PLUGIN = "pulumi-python:dynamic/partnerfleet:", "partnerfleet:index:"
LICENSE, CUSTOMER = "License", "CustomerOrg"


def _kind(resource_type: str) -> str | None:
    for prefix in (DYNAMIC, PLUGIN):
        if resource_type.startswith(prefix):
            return resource_type.removeprefix(prefix)
    return None


def _camel(name: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


class _Named(Mapping[str, Any]):
    """A resource's properties read by the resources' own (snake_case) names, whichever
    provider declared them; read one by one (a value unknown at preview is read only when a
    rule asks for it, as with the dynamic provider's properties)."""

    def __init__(self, resource_type: str, props: Mapping[str, Any]) -> None:
        self._props = props
        self._plugin = resource_type.startswith(PLUGIN)

    def _key(self, name: str) -> str:
        return _camel(name) if self._plugin else name

    def __getitem__(self, name: str) -> Any:
        return self._props[self._key(name)]

    def get(self, name: str, default: Any = None) -> Any:
        key = self._key(name)
        return self._props.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._props)

    def __len__(self) -> int:
        return len(self._props)


def _props(resource_type: str, props: Mapping[str, Any]) -> Mapping[str, Any]:
    return _Named(resource_type, props)


def _name(props: Mapping[str, Any], fallback: str) -> str:
    return str(props.get("reference") or fallback)


def _prepaid_needs_consent(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if _kind(args.resource_type) != LICENSE:
        return
    props, config = _props(args.resource_type, args.props), args.get_config()
    term = props.get("term_months") or 0
    if term < config.get("min_term_months", 12) or props.get("trial"):
        return
    if args.opts.protect or props.get("allow_forfeit"):
        return
    report(
        f"license {_name(props, args.name)} prepays {int(term)} months: protect it "
        "(protect_prepaid: true in the fleet file) so that removing or moving it is refused, "
        "or set allow_forfeit: true to consent to losing its prepaid term without refund",
        None,
    )


prepaid_needs_consent = ResourceValidationPolicy(
    name="prepaid-license-forfeit-needs-consent",
    description="A license with a prepaid term is protected against removal unless it says "
    "allow_forfeit: true (removing it cancels the term without refund).",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_prepaid_needs_consent,
    config_schema=PolicyConfigSchema(
        properties={"min_term_months": {"type": "integer", "default": 12, "minimum": 1}}
    ),
)


def _references(args: ResourceValidationArgs, report: ReportViolation) -> None:
    wanted = {CUSTOMER} | ({LICENSE} if args.get_config().get("licenses", True) else set())
    if _kind(args.resource_type) in wanted and not args.props.get("reference"):
        kind = "customer" if _kind(args.resource_type) == CUSTOMER else "license"
        report(
            f"{kind} {args.name} has no reference: give it your CRM id (adoption, the plan and "
            "the reports find it by that)",
            None,
        )


every_object_has_a_reference = ResourceValidationPolicy(
    name="every-object-has-a-reference",
    description="Customers (and licenses) carry the MSP's own reference.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_references,
    config_schema=PolicyConfigSchema(properties={"licenses": {"type": "boolean", "default": True}}),
)


def _editions_per_segment(args: StackValidationArgs, report: ReportViolation) -> None:
    allowed: Mapping[str, list[str]] = args.get_config().get("allowed", {})
    if not allowed:
        return
    for resource in args.resources:
        if _kind(resource.resource_type) != LICENSE:
            continue
        dependencies = _props(resource.resource_type, resource.property_dependencies)
        customers = dependencies.get("customer_id") or []
        segment = customers[0].props.get("segment") if customers else None
        props = _props(resource.resource_type, resource.props)
        edition = props.get("edition")
        if segment in allowed and edition not in allowed[str(segment)]:
            report(
                f"license {_name(props, resource.name)}: edition {edition} is not "
                f"allowed for {segment} customers (allowed: {', '.join(allowed[str(segment)])})",
                resource.urn,
            )


editions_per_segment = StackValidationPolicy(
    name="editions-per-segment",
    description="Only the editions the MSP sells to a segment (config: allowed).",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_editions_per_segment,
    config_schema=PolicyConfigSchema(
        properties={
            "allowed": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "default": {},
            }
        }
    ),
)


def _seat_ceiling(args: ResourceValidationArgs, report: ReportViolation) -> None:
    ceiling = args.get_config().get("max_seats", 5_000)
    seats = args.props.get("seats")
    if _kind(args.resource_type) == LICENSE and isinstance(seats, int | float) and seats > ceiling:
        report(
            f"license {_name(args.props, args.name)} asks for {int(seats)} seats, more than "
            f"{int(ceiling):,}: a typo? (config: max_seats)",
            None,
        )


seat_ceiling = ResourceValidationPolicy(
    name="seat-ceiling",
    description="A license above a seat ceiling is most likely a typo.",
    enforcement_level=EnforcementLevel.ADVISORY,
    validate=_seat_ceiling,
    config_schema=PolicyConfigSchema(
        properties={"max_seats": {"type": "integer", "default": 5000, "minimum": 1}}
    ),
)

PolicyPack(
    name="partnerfleet",
    policies=[
        prepaid_needs_consent,
        every_object_has_a_reference,
        editions_per_segment,
        seat_ceiling,
    ],
)
