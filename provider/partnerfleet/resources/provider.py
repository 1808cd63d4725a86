"""What every partnerfleet resource provider shares: schema checks, a diff without network
calls driven by the resource's declaration, reads through the shared bulk lists, and creation
that adopts or finds what an interrupted run already bought."""

from typing import Any, ClassVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from partnerfleet import config, errors, schema
from partnerfleet.client import Client
from partnerfleet.errors import ProviderError, user_errors
from partnerfleet.resources.bulk import BULK
from partnerfleet.resources.identity import IDENTITY_KEY, client_reference, idempotency_key
from partnerfleet.resources.props import Inputs, State
from partnerfleet.resources.spec import ResourceSpec, load_spec
from partnerfleet.resources.values import is_unknown


def keeps_reference(state: State, inputs: Inputs) -> bool:
    """Whether a replacement keeps the object's `reference`. References are unique per
    partner, so the old object must go before the new one can take it over: the engine then
    deletes first (delete_before_replace) instead of creating first."""
    reference = inputs.get("reference")
    return (
        reference is not None
        and not is_unknown(reference)
        and reference == state.outputs.get("reference")
    )


class BackendProvider(ResourceProvider):
    """Base of the providers. A subclass names its schema (the declaration) and its route.

    The provider object holds no state: it is stored by reference in the Pulumi state, and the
    connection lives in the provider process (``partnerfleet.config``).
    """

    serialize_as_secret_always = False  # nothing secret is ever on the provider object

    kind: ClassVar[str]  # "License": used in messages
    schema_name: ClassVar[str]  # "license": schemas/license.schema.json declares the resource
    collection: ClassVar[str]  # "/v1/licenses"

    @property
    def spec(self) -> ResourceSpec:
        return load_spec(self.schema_name)

    def inputs(self, props: dict[str, Any]) -> Inputs:
        return Inputs.parse(self.spec, props)

    def state(self, props: dict[str, Any]) -> State:
        return State.parse(self.spec, props)

    # configuration -------------------------------------------------------------------------
    def configure(self, req: ConfigureRequest) -> None:
        config.configure_from(req.config)

    def client(self) -> Client:
        try:
            return config.client()
        except errors.PartnerfleetError as error:
            raise ProviderError(str(error)) from None

    # check and diff: no network ------------------------------------------------------------
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = self.inputs(news)
        unknown = inputs.unknown
        failures = []
        for error in schema.errors_of(self.schema_name, inputs.known):
            field = schema.field_of(error)
            top = field.split(".")[0].split("[")[0]
            if top in unknown or (error.validator == "if"):
                continue
            failures.append(CheckFailure(field or self.kind, schema.reason_of(error)))
        return CheckResult(inputs.wire(), failures)

    def desired_before(self, state: State) -> dict[str, Any]:
        """What the recorded outputs say was asked for (licenses map next-term values back)."""
        return state.inputs_as_held()

    def changed_inputs(self, state: State, inputs: Inputs) -> list[str]:
        """Inputs the program asks for differently from what was recorded; unknown values
        count as changed, inputs left out are not asked for."""
        before = self.desired_before(state)
        changed = []
        for name in self.spec.inputs:
            fixed = name in self.spec.create_only or name in self.spec.set_on_create
            if fixed or not inputs.asked(name):
                continue
            new = inputs.desired(name)
            old = before.get(name)
            if old is None:
                old = self.spec.defaults.get(name)
            if is_unknown(new) or new != old:
                changed.append(name)
        return changed

    def differences(
        self, olds: dict[str, Any], news: dict[str, Any]
    ) -> tuple[list[str], list[str], bool]:
        """The inputs asked for differently, those of them that replace the object, and whether
        the old object must go before its replacement (the dynamic provider's diff and the
        plugin's alike)."""
        state, inputs = self.state(olds), self.inputs(news)
        changed = self.changed_inputs(state, inputs)
        replaces = [name for name in changed if name in self.spec.replace_on]
        return changed, replaces, bool(replaces) and keeps_reference(state, inputs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed, replaces, delete_first = self.differences(olds, news)
        return DiffResult(
            changes=bool(changed), replaces=replaces, delete_before_replace=delete_first
        )

    # read ----------------------------------------------------------------------------------
    def outs(self, obj: dict[str, Any], side: dict[str, Any]) -> dict[str, Any]:
        """Full outputs: the object's fields as the API returned them, and the program's side
        (`Inputs.record()`, or `State.record()` on a refresh)."""
        return {**obj, **side}

    def inputs_from(self, obj: dict[str, Any], state: State) -> dict[str, Any]:
        """The inputs the program set, with the values the backend holds now (for refresh):
        drift shows as a diff, and what the program never set shows as nothing."""
        names = state.asked
        if names is None:  # a state from before the outputs recorded what was set
            names = [k for k in self.spec.inputs if obj.get(k) is not None]
        held = {
            k: obj[k]
            for k in names
            if k in self.spec.inputs and k not in self.spec.create_only and obj.get(k) is not None
        }
        for name in (*self.spec.create_only, IDENTITY_KEY):
            if state.kept(name) is not None:
                held[name] = state.kept(name)
        return held

    def read_one(self, object_id: str) -> dict[str, Any] | None:
        """The object from the shared bulk list (one list call per collection per refresh)."""
        client = self.client()
        obj = BULK.get(self.collection, lambda: client.list_all(self.collection), object_id)
        if obj is None:
            try:
                obj = client.get(f"{self.collection}/{object_id}")
            except errors.NotFound:
                return None
        return obj

    def is_gone(self, obj: dict[str, Any]) -> bool:
        return False

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        with user_errors(f"{self.kind} {id_}: refresh failed"):
            obj = self.read_one(id_)
        if obj is None or self.is_gone(obj):
            return ReadResult(id_="", outs={})
        state = self.state(props)
        return ReadResult(
            id_=id_, outs=self.outs(obj, state.record()), inputs=self.inputs_from(obj, state)
        )

    def remember(self, obj: dict[str, Any]) -> dict[str, Any]:
        BULK.put(self.collection, obj)
        return obj

    # update and delete ---------------------------------------------------------------------
    def update_body(self, state: State, inputs: Inputs) -> dict[str, Any]:
        """The updatable inputs the program asks for differently."""
        before = self.desired_before(state)
        return {
            k: inputs.get(k)
            for k in self.spec.updatable
            if inputs.get(k) is not None and inputs.get(k) != before.get(k)
        }

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        state, inputs = self.state(olds), self.inputs(news)
        body = self.update_body(state, inputs)
        with user_errors(f"{self.kind} {id_}: update failed"):
            if not body:
                obj = self.client().get(f"{self.collection}/{id_}")
            else:
                obj = self.client().patch(f"{self.collection}/{id_}", body, if_match=state.version)
        return UpdateResult(outs=self.outs(self.remember(obj), inputs.record()))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        try:
            self.client().delete(f"{self.collection}/{id_}")
        except errors.NotFound:
            pass  # already gone
        except errors.PartnerfleetError as error:
            raise ProviderError(f"{self.kind} {id_}: delete failed: {error}") from None
        BULK.forget(self.collection, id_)

    # creation with adoption ------------------------------------------------------------------
    def post_new(self, body: dict[str, Any], identity: str) -> dict[str, Any]:
        """POST the new object; the key is stable for this resource and these inputs."""
        result: dict[str, Any] = self.client().post(
            self.collection, body, idempotency_key=idempotency_key(identity, self.collection, body)
        )
        return result

    def post_charged(self, body: dict[str, Any], identity: str) -> dict[str, Any]:
        """POST something that costs money with a client reference derived from the resource
        and its inputs: a re-run after an interrupted `pulumi up`, even days later, finds the
        object the first run created instead of charging again."""
        client = self.client()
        for attempt in range(1, 50):
            payload = {**body, "client_reference": client_reference(identity, body, attempt)}
            try:
                created: dict[str, Any] = client.post(
                    self.collection,
                    payload,
                    idempotency_key=idempotency_key(identity, self.collection, payload),
                )
                return created
            except errors.Conflict as conflict:
                if conflict.code != "client_reference_exists" or not conflict.existing_id:
                    raise
                existing: dict[str, Any] = client.get(f"{self.collection}/{conflict.existing_id}")
                if not self.is_gone(existing):
                    return existing
        raise errors.PartnerfleetError(f"too many cancelled {self.kind} objects with these inputs")

    def find_by_reference(self, reference: str) -> dict[str, Any] | None:
        """The object that holds `reference` now (the backend's one meaning: a cancelled
        license has released its reference, and is never found, nor adopted)."""
        page = self.client().get(self.collection, reference=reference, limit=1)
        found = [obj for obj in page["items"] if not self.is_gone(obj)]
        return found[0] if found else None

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.inputs(props)
        body = inputs.create_body()
        reference = inputs.get("reference")
        with user_errors(f"{self.kind} '{inputs.label}': create failed"):
            if inputs.get("adopt") and reference:
                existing = self.find_by_reference(str(reference))
                if existing is not None:
                    obj = self.adopt(existing, body)
                    return CreateResult(obj["id"], self.outs(self.remember(obj), inputs.record()))
            try:
                obj = self.post_new(body, inputs.identity)
            except errors.Conflict as conflict:
                if conflict.code == "reference_exists":
                    raise errors.Conflict(
                        f"{self.kind.lower()} {conflict.existing_id} already has reference "
                        f"'{reference}'; set adopt=True (adopt: true in a fleet file) to manage "
                        "it from here, or choose another reference",
                        existing_id=conflict.existing_id,
                    ) from None
                raise
        return CreateResult(obj["id"], self.outs(self.remember(obj), inputs.record()))

    def adopt(self, existing: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """Take over an existing object and bring its updatable fields to the inputs; what it
        holds already (a decrease waiting for the renewal included) is not sent again. An
        object that differs in what would replace it (another customer org, product) is not
        the one asked for: refused, never taken over as it is."""
        held = self.desired_before(self.state(existing))
        other = {
            k: (held.get(k), v)
            for k, v in body.items()
            if k in self.spec.replace_on and held.get(k) is not None and held.get(k) != v
        }
        if other:
            what = ", ".join(f"{k} {was!r} (asked: {asked!r})" for k, (was, asked) in other.items())
            raise errors.Conflict(
                f"{self.kind.lower()} {existing['id']} holds reference "
                f"'{existing.get('reference')}' with {what}: it cannot be adopted as this "
                "one; give this one another reference, or cancel that one first",
                existing_id=existing["id"],
            )
        changes = {  # what is set on create (a customer's access) is never sent here
            k: v
            for k, v in body.items()
            if k not in self.spec.replace_on
            and k not in self.spec.set_on_create
            and held.get(k) != v
        }
        if not changes:
            return existing
        result: dict[str, Any] = self.client().patch(
            f"{self.collection}/{existing['id']}", changes, if_match=existing.get("version")
        )
        return result
