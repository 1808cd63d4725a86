"""A minimal Pulumi program with one dynamic resource."""

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider


class EchoProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(
            "echo-1", {"message": props["message"], "length": len(props["message"])}
        )

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=olds.get("message") != news.get("message"))


class Echo(Resource):
    message: pulumi.Output[str]
    length: pulumi.Output[int]

    def __init__(self, name: str, message: str) -> None:
        super().__init__(EchoProvider(), name, {"message": message, "length": None})


echo = Echo("echo", pulumi.Config().get("message") or "hello")
pulumi.export("length", echo.length)
