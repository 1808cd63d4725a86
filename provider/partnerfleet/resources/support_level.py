"""SupportLevel: the partner's support level (one per partner)."""

from typing import Any, Literal

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from partnerfleet.errors import user_errors
from partnerfleet.resources.identity import IDENTITY_KEY
from partnerfleet.resources.provider import BackendProvider
from partnerfleet.resources.resource import BackendResource

SUPPORT_ID = "support"


class SupportLevelProvider(BackendProvider):
    kind = "SupportLevel"
    schema_name = "support_level"
    collection = "/v1/support"

    def _outs(self, requested: str, state: dict[str, Any]) -> dict[str, Any]:
        return {
            "support_level": requested,
            "effective_support_level": state["support_level"],
            "source": state["source"],
            "premium_until": state.get("premium_until"),
        }

    def _put(self, requested: str, side: dict[str, Any]) -> dict[str, Any]:
        with user_errors(f"SupportLevel: setting {requested} failed"):
            state: dict[str, Any] = self.client().put(self.collection, {"support_level": requested})
        return self._outs(requested, state) | side

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.inputs(props)
        return CreateResult(SUPPORT_ID, self._put(str(props["support_level"]), inputs.record()))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = self.inputs(news)
        return UpdateResult(outs=self._put(str(news["support_level"]), inputs.record()))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        with user_errors("SupportLevel: refresh failed"):
            state = self.client().get(self.collection)
        recorded = self.state(props)
        requested = str(props.get("support_level") or state["support_level"])
        # premium that the level gives stays premium; a bought option that ran out is drift
        actual = requested if state["source"] == "level" else state["support_level"]
        inputs = {"support_level": actual}
        if recorded.identity:
            inputs[IDENTITY_KEY] = recorded.identity
        outs = self._outs(requested, state) | recorded.record() | {"support_level": actual}
        return ReadResult(id_, outs, inputs)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        self._put("basic", {})


class SupportLevel(BackendResource, module="partnerfleet", name="SupportLevel"):
    """``SupportLevel("support", support_level="premium")``: buys the premium-support option
    unless the partner's level includes premium support."""

    support_level: pulumi.Output[str]
    effective_support_level: pulumi.Output[str]
    source: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        support_level: pulumi.Input[Literal["basic", "premium"]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            SupportLevelProvider(),
            "SupportLevel",
            resource_name,
            {"support_level": support_level},
            opts,
        )
