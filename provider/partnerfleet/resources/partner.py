"""Partner: with an operator key, partner accounts; with a partner key, the own profile."""

from dataclasses import asdict, dataclass
from typing import Any, Literal

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, ReadResult, UpdateResult

from partnerfleet import config, errors
from partnerfleet.errors import user_errors
from partnerfleet.resources.identity import IDENTITY_KEY
from partnerfleet.resources.props import State
from partnerfleet.resources.provider import BackendProvider
from partnerfleet.resources.resource import BackendResource

OPERATOR_ONLY = ("name", "level")
DIRECTORY = "directory"  # a partner key's own directory entry: its own route
# What the backend fills in when a program leaves it out, so that a refresh finds no change.
DIRECTORY_DEFAULTS: dict[str, Any] = {
    "products": [],
    "description": "",
    "receives_tenders": False,
    "tender_countries": [],
    "tender_products": [],
    "tender_services": [],
}
LISTS = ("languages", "services", "products", "tender_countries", "tender_products")
ENTRY_FIELDS = ("listed", "country", "website", "registration_number", *DIRECTORY_DEFAULTS)


def directory_shape(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry as the backend keeps it: the defaults filled in, the lists sorted."""
    shaped = {**DIRECTORY_DEFAULTS, **entry}
    for name in (*LISTS, "tender_services"):
        if isinstance(shaped.get(name), list):
            shaped[name] = sorted(set(shaped[name]))
    return {k: shaped[k] for k in (*ENTRY_FIELDS, "languages", "services") if k in shaped}


@dataclass
class PartnerArgs:
    """Inputs of a Partner (see schemas/partner.schema.json)."""

    name: pulumi.Input[str] | None = None
    level: pulumi.Input[Literal["bronze", "silver", "gold", "platinum"]] | None = None
    billing_email: pulumi.Input[str] | None = None
    support_contact: pulumi.Input[dict[str, str]] | None = None
    logo_url: pulumi.Input[str] | None = None
    webhook_url: pulumi.Input[str] | None = None
    directory: pulumi.Input[dict[str, Any]] | None = None


class PartnerProvider(BackendProvider):
    kind = "Partner"
    schema_name = "partner"
    collection = "/v1/partners"

    def _operator(self) -> bool:
        return config.connection().api_key.startswith("pfo_")

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        result = super().check(olds, news)
        if isinstance(result.inputs.get(DIRECTORY), dict):
            result.inputs[DIRECTORY] = directory_shape(result.inputs[DIRECTORY])
        if self._operator() and DIRECTORY in result.inputs:
            result.failures.append(
                CheckFailure(DIRECTORY, "directory is set with the partner's own key")
            )
        if config.connection().api_key and not self._operator():
            for field in OPERATOR_ONLY:
                if field in result.inputs:
                    result.failures.append(
                        CheckFailure(
                            field,
                            f"{field} can only be set with an operator key; a partner key "
                            "manages its own profile",
                        )
                    )
        elif self._operator() and "name" not in result.inputs:
            result.failures.append(CheckFailure("name", "name is required"))
        return result

    def _path(self, id_: str) -> str:
        return f"{self.collection}/{id_}" if self._operator() else "/v1/me"

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.inputs(props)
        body = dict(inputs.values)
        entry = body.pop(DIRECTORY, None)
        with user_errors("Partner: create failed"):
            if self._operator():
                obj = self.client().post(self.collection, body)
            else:
                obj = self.client().patch("/v1/me", body) if body else self.client().get("/v1/me")
                if entry is not None:
                    obj = self._with_directory(obj, entry)
        return CreateResult(obj["id"], self.outs(obj, inputs.record()))

    def _with_directory(self, obj: dict[str, Any], entry: Any = None) -> dict[str, Any]:
        """The profile with the own directory entry: `entry` put first when given, else read
        (none yet: null). Only for a program that declares `directory`: the others spend no
        call on it."""
        if entry is not None:
            held = self.client().put("/v1/me/directory", entry)
        else:
            try:
                held = self.client().get("/v1/me/directory")
            except errors.NotFound:
                held = None
        if held is None:
            return {**obj, DIRECTORY: None, "directory_approval": None}
        shaped = directory_shape({k: held[k] for k in (*ENTRY_FIELDS, "languages", "services")})
        return {**obj, DIRECTORY: shaped, "directory_approval": held["approval"]}

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        state = self.state(props)
        declared = DIRECTORY in (state.asked or []) or props.get(DIRECTORY) is not None
        with user_errors(f"Partner {id_}: refresh failed"):
            obj = self.client().get(self._path(id_))
            if declared and not self._operator():
                obj = self._with_directory(obj)
        obj = _keep_secret(obj, props)
        return ReadResult(id_, self.outs(obj, state.record()), self.inputs_from(obj, state))

    def inputs_from(self, obj: dict[str, Any], state: State) -> dict[str, Any]:
        inputs = super().inputs_from(obj, state)
        if not self._operator():
            for field in OPERATOR_ONLY:
                inputs.pop(field, None)
        return {k: v for k, v in inputs.items() if k in state.outputs or k == IDENTITY_KEY}

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        state, inputs = self.state(olds), self.inputs(news)
        body = self.update_body(state, inputs)
        entry = body.pop(DIRECTORY, None)
        with user_errors(f"Partner {id_}: update failed"):
            if body or self._operator():
                obj = self.client().patch(self._path(id_), body, if_match=state.version)
            else:
                obj = self.client().get(self._path(id_))
            if inputs.asked(DIRECTORY) and not self._operator():
                obj = self._with_directory(obj, entry)
        return UpdateResult(outs=self.outs(_keep_secret(obj, olds), inputs.record()))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        if self._operator():
            super().delete(id_, props)
        # a partner's own profile stays when the resource goes


def _keep_secret(obj: dict[str, Any], olds: dict[str, Any]) -> dict[str, Any]:
    """The backend shows the webhook signing secret once (when it is made); the state keeps
    it (as a secret) from then on."""
    if obj.get("webhook_secret") is None and olds.get("webhook_secret"):
        return {**obj, "webhook_secret": olds["webhook_secret"]}
    return obj


class Partner(BackendResource, module="partnerfleet", name="Partner"):
    """A partner account (operator key) or the partner's own profile (partner key)."""

    name: pulumi.Output[str]
    level: pulumi.Output[str]
    support_level: pulumi.Output[str]
    benefits: pulumi.Output[dict[str, Any]]
    balance_cents: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        args: PartnerArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        inputs = asdict(args) if args is not None else kwargs
        super().__init__(PartnerProvider(), "Partner", resource_name, inputs, opts)
