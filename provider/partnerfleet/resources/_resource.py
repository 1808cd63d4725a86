"""The program-side base class of the resources."""

from typing import Any

import pulumi
from pulumi.dynamic import Resource

from partnerfleet.resources._base import IDENTITY_KEY, BackendProvider


class BackendResource(Resource):
    """A dynamic resource whose outputs are declared up front and whose identity is stable."""

    def __init__(
        self,
        provider: BackendProvider,
        type_name: str,
        name: str,
        inputs: dict[str, Any],
        opts: pulumi.ResourceOptions | None,
        secret_outputs: tuple[str, ...] = (),
    ) -> None:
        props: dict[str, Any] = {output: None for output in provider.outputs}
        props.update(inputs)
        props[IDENTITY_KEY] = f"{pulumi.get_project()}/{pulumi.get_stack()}/{type_name}/{name}"
        if secret_outputs:
            opts = pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(additional_secret_outputs=list(secret_outputs))
            )
        super().__init__(provider, name, props, opts)
