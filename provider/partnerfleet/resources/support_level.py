"""SupportLevel: the partner's support level (one per partner)."""

from typing import Any, Literal

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from partnerfleet import errors
from partnerfleet.errors import user_errors
from partnerfleet.resources.addon import claim, unclaimed
from partnerfleet.resources.identity import IDENTITY_KEY
from partnerfleet.resources.provider import BackendProvider
from partnerfleet.resources.resource import BackendResource

SUPPORT_ID = "support"
OPTION = "premium-support"


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
        """A premium-support option that no program manages is taken over only with `adopt`:
        basic would cancel it and premium would leave it unmanaged, both without consent."""
        inputs = self.inputs(props)
        requested = str(props["support_level"])
        with user_errors(f"SupportLevel: setting {requested} failed"):
            found = unclaimed(self.client(), OPTION)
            if found is not None:
                if not inputs.get("adopt"):
                    raise errors.Conflict(
                        f"premium-support (add-on {found['id']}, until "
                        f"{str(found.get('period_end'))[:10]}) was bought outside this program; "
                        "set adopt=True (support_adopt: true in a fleet file) to manage it: "
                        "premium keeps it, basic cancels it at the end of its month"
                    )
                claim(self.client(), found, inputs.identity, {"option": OPTION})
        return CreateResult(SUPPORT_ID, self._put(requested, inputs.record()))

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
        adopt: bool | None = None,
    ) -> None:
        super().__init__(
            SupportLevelProvider(),
            "SupportLevel",
            resource_name,
            {"support_level": support_level, "adopt": adopt},
            opts,
        )
