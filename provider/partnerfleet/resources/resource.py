"""The program-side base class of the resources."""

from typing import Any

import pulumi
from pulumi.dynamic import Resource

from partnerfleet.resources.identity import IDENTITY_KEY
from partnerfleet.resources.provider import BackendProvider


class BackendResource(Resource):
    """A dynamic resource whose outputs (and secret outputs) come from its declaration and whose
    identity is stable across runs."""

    def __init__(
        self,
        provider: BackendProvider,
        type_name: str,
        name: str,
        inputs: dict[str, Any],
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        spec = provider.spec
        props: dict[str, Any] = {output: None for output in spec.outputs}
        props.update(inputs)
        props[IDENTITY_KEY] = f"{pulumi.get_project()}/{pulumi.get_stack()}/{type_name}/{name}"
        if spec.secret_outputs:
            opts = pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(additional_secret_outputs=list(spec.secret_outputs))
            )
        super().__init__(provider, name, props, opts)
