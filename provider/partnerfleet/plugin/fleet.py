"""`partnerfleet:index:Fleet`, a component the plugin constructs: a whole fleet file (its path,
or its content) in one resource of any language's program. The file is read and checked by
the same code as the Python `Fleet` (line-numbered errors), and its resources are declared by
the same function (`partnerfleet.fleet.declare_fleet`) with the plugin's type tokens: a fleet is
the same resources, named the same, whichever language declares it."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pulumi
from pulumi.errors import InputPropertyError
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import ConstructRequest, ConstructResponse

from partnerfleet.fleet import FleetError, FleetSpec, declare_fleet, load_fleet, load_fleet_text
from partnerfleet.plugin import package
from partnerfleet.plugin.wire import camel, to_plain
from partnerfleet.resources.spec import load_spec

FLEET = package.token("Fleet")


def _declare(
    kind: str, name: str, inputs: dict[str, Any], opts: pulumi.ResourceOptions
) -> pulumi.CustomResource:
    """One resource of the fleet by its type token, its outputs named so a program reads them.
    Its alias is the dynamic provider's type: a fleet the Python program made with the dynamic
    provider is the plugin's from the first up of the component (an update that calls nothing)."""
    spec = load_spec(package.RESOURCES[kind])
    opts = pulumi.ResourceOptions.merge(
        opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=package.DYNAMIC_PREFIX + kind)])
    )
    props: dict[str, Any] = {camel(output): None for output in spec.outputs}
    props.update({camel(k): v for k, v in inputs.items()})
    if spec.secret_outputs:
        secret = [camel(name) for name in spec.secret_outputs]
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=secret)
        )
    return pulumi.CustomResource(package.token(kind), name, props, opts)


def spec_of(inputs: dict[str, PropertyValue]) -> FleetSpec:
    """The fleet file given by `file` (a path) or `content` (its text), checked."""
    plain, _ = to_plain(inputs)
    path, content = plain.get("file"), plain.get("content")
    if (path is None) == (content is None):
        raise InputPropertyError("file", "give the fleet file's path (file) or its content")
    try:
        if content is not None:
            return load_fleet_text(str(content), Path("fleet.yaml (content)"))
        return load_fleet(str(path))
    except FleetError as error:
        raise InputPropertyError("file" if path else "content", str(error)) from None


class PluginFleet(pulumi.ComponentResource):
    def __init__(self, name: str, spec: FleetSpec, opts: pulumi.ResourceOptions) -> None:
        super().__init__(FLEET, name, None, opts)
        self.customers, self.licenses = declare_fleet(
            spec, name, pulumi.ResourceOptions(parent=self), _declare
        )
        self.register_outputs(
            {"customerCount": len(self.customers), "licenseCount": len(self.licenses)}
        )


REGISTRATIONS = ThreadPoolExecutor(max_workers=64, thread_name_prefix="registrations")


async def construct(request: ConstructRequest) -> ConstructResponse:
    if request.resource_type != FLEET:
        raise ValueError(f"partnerfleet constructs no {request.resource_type}")
    # The SDK registers each child in a thread of the loop's default pool that waits until the
    # engine has made it: with the default few threads, a fleet's children would be made a
    # handful at a time.
    asyncio.get_running_loop().set_default_executor(REGISTRATIONS)
    spec = spec_of(request.inputs)
    fleet = PluginFleet(request.name, spec, request.options)
    urn = await fleet.urn.future()
    assert urn is not None
    state = {
        "customerCount": PropertyValue(float(len(fleet.customers))),
        "licenseCount": PropertyValue(float(len(fleet.licenses))),
    }
    return ConstructResponse(urn=urn, state=state, state_dependencies={})
