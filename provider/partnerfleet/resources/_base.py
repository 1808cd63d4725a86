"""What every partnerfleet resource provider shares: schema checks, a diff without network
calls driven by one declared set of replacing inputs, bulk reads, and error translation."""

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
from pulumi.output import Unknown
from pulumi.runtime import rpc

from partnerfleet import config, errors, schema
from partnerfleet.client import Client

PROVIDER_KEY = "__provider"
IDENTITY_KEY = "pf_identity"  # project/stack/type/name, set by the resource class
BULK_TTL_SECONDS = 60.0


def is_unknown(value: Any) -> bool:
    """Whether a value is not known yet (preview): the SDK's Unknown, or its wire form."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


def plain(value: Any) -> Any:
    """Integers back from floats (the engine sends 5 as 5.0), recursively."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


class ProviderError(Exception):
    """Raised from provider methods: one line, no traceback noise."""


@contextmanager
def user_errors(what: str) -> Iterator[None]:
    """Turn client errors into one-line messages naming the resource."""
    try:
        yield
    except errors.PartnerfleetError as error:
        raise ProviderError(f"{what}: {error}") from None


class _BulkCache:
    """Lists fetched once per provider process and shared by every read of a refresh."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded: dict[str, tuple[float, dict[str, dict[str, Any]]]] = {}

    def get(
        self, collection: str, fetch: Callable[[], Iterator[dict[str, Any]]], object_id: str
    ) -> dict[str, Any] | None:
        with self.lock:
            entry = self.loaded.get(collection)
            if entry is None or time.monotonic() - entry[0] > BULK_TTL_SECONDS:
                entry = (time.monotonic(), {item["id"]: item for item in fetch()})
                self.loaded[collection] = entry
            return entry[1].get(object_id)

    def put(self, collection: str, obj: dict[str, Any]) -> None:
        with self.lock:
            if collection in self.loaded:
                self.loaded[collection][1][obj["id"]] = obj

    def forget(self, collection: str, object_id: str) -> None:
        with self.lock:
            if collection in self.loaded:
                self.loaded[collection][1].pop(object_id, None)


BULK = _BulkCache()


class BackendProvider(ResourceProvider):
    """Base of the providers. Subclasses declare their schema, routes and replacing inputs.

    The provider object holds no state: it is stored by reference in the Pulumi state, and the
    connection lives in the provider process (``partnerfleet.config``).
    """

    serialize_as_secret_always = False  # nothing secret is ever on the provider object

    kind: ClassVar[str]  # "License": used in messages
    schema_name: ClassVar[str]  # "license"
    collection: ClassVar[str]  # "/v1/licenses"
    replace_on: ClassVar[frozenset[str]] = frozenset()
    create_only: ClassVar[frozenset[str]] = frozenset({"adopt"})  # never sent on update
    outputs: ClassVar[tuple[str, ...]] = ()

    # configuration -------------------------------------------------------------------------
    def configure(self, req: ConfigureRequest) -> None:
        config.configure_from(req.config)

    def client(self) -> Client:
        try:
            return config.client()
        except errors.PartnerfleetError as error:
            raise ProviderError(str(error)) from None

    # inputs --------------------------------------------------------------------------------
    @classmethod
    def input_names(cls) -> tuple[str, ...]:
        return tuple(schema.load(cls.schema_name)["properties"])

    @classmethod
    def inputs_of(cls, props: dict[str, Any]) -> dict[str, Any]:
        """The declared inputs present in `props` (None means 'not set')."""
        return {k: plain(props[k]) for k in cls.input_names() if props.get(k) is not None}

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = self.inputs_of(news)
        unknown = {k for k, v in inputs.items() if is_unknown(v)}
        known = {k: v for k, v in inputs.items() if k not in unknown}
        if news.get(IDENTITY_KEY) is not None:
            inputs[IDENTITY_KEY] = news[IDENTITY_KEY]
        failures = []
        for error in schema.errors_of(self.schema_name, known):
            field = schema.field_of(error)
            top = field.split(".")[0].split("[")[0]
            if top in unknown or (error.validator == "if"):
                continue
            failures.append(CheckFailure(field or self.kind, schema.reason_of(error)))
        return CheckResult(inputs, failures)

    # diff ----------------------------------------------------------------------------------
    def desired_from_outputs(self, olds: dict[str, Any]) -> dict[str, Any]:
        """What the old outputs say was asked for (licenses map next-term values back)."""
        return {k: plain(olds.get(k)) for k in self.input_names()}

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """No network: compare the declared inputs; unknown values count as changed."""
        before = self.desired_from_outputs(olds)
        after = self.inputs_of(news)
        defaults = self.defaults()
        changed = []
        for name in self.input_names():
            if name in self.create_only or (name not in after and name not in defaults):
                continue  # not asked for: whatever the backend holds is fine
            new = after.get(name, defaults.get(name))
            old = before.get(name)
            if old is None:
                old = defaults.get(name)
            if is_unknown(new) or new != old:
                changed.append(name)
        replaces = [name for name in changed if name in self.replace_on]
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=False)

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        return {
            k: v["default"]
            for k, v in schema.load(cls.schema_name)["properties"].items()
            if "default" in v
        }

    # helpers for subclasses ------------------------------------------------------------------
    def outs(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Full outputs: the object's fields as the API returned them."""
        return {k: v for k, v in obj.items()}

    def inputs_from(self, obj: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
        """Inputs as the backend holds them now (for refresh)."""
        inputs = {k: obj[k] for k in self.input_names() if obj.get(k) is not None}
        for name in (*self.create_only, IDENTITY_KEY):
            if props.get(name) is not None:
                inputs[name] = props[name]
        return inputs

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
        return ReadResult(id_=id_, outs=self.outs(obj), inputs=self.inputs_from(obj, props))

    def remember(self, obj: dict[str, Any]) -> dict[str, Any]:
        BULK.put(self.collection, obj)
        return obj

    def changed_fields(self, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        before = self.desired_from_outputs(olds)
        after = self.inputs_of(news)
        return {
            k: after.get(k)
            for k in self.input_names()
            if k not in self.create_only
            and k not in self.replace_on
            and after.get(k) != before.get(k)
            and after.get(k) is not None
        }

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        body = self.changed_fields(olds, news)
        version = plain(olds.get("version"))
        with user_errors(f"{self.kind} {id_}: update failed"):
            if not body:
                obj = self.client().get(f"{self.collection}/{id_}")
            else:
                obj = self.client().patch(f"{self.collection}/{id_}", body, if_match=version)
        return UpdateResult(outs=self.outs(self.remember(obj)))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        try:
            self.client().delete(f"{self.collection}/{id_}")
        except errors.NotFound:
            pass  # already gone
        except errors.PartnerfleetError as error:
            raise ProviderError(f"{self.kind} {id_}: delete failed: {error}") from None
        BULK.forget(self.collection, id_)

    # creation with adoption ------------------------------------------------------------------
    def create_body(self, inputs: dict[str, Any], identity: str) -> dict[str, Any]:
        return {k: v for k, v in inputs.items() if k not in self.create_only}

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
        page = self.client().get(self.collection, reference=reference, limit=1)
        return page["items"][0] if page["items"] else None

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.inputs_of(props)
        identity = str(props.get(IDENTITY_KEY) or "")
        body = self.create_body(inputs, identity)
        reference = inputs.get("reference")
        label = reference or identity.rsplit("/", 1)[-1] or "(unnamed)"
        with user_errors(f"{self.kind} '{label}': create failed"):
            if inputs.get("adopt") and reference:
                existing = self.find_by_reference(str(reference))
                if existing is not None:
                    obj = self.adopt(existing, body)
                    return CreateResult(obj["id"], self.outs(self.remember(obj)))
            try:
                obj = self.post_new(body, identity)
            except errors.Conflict as conflict:
                if conflict.code == "reference_exists":
                    raise errors.Conflict(
                        f"{self.kind.lower()} {conflict.existing_id} already has reference "
                        f"'{reference}'; set adopt=True (adopt: true in a fleet file) to manage "
                        "it from here, or choose another reference",
                        existing_id=conflict.existing_id,
                    ) from None
                raise
        return CreateResult(obj["id"], self.outs(self.remember(obj)))

    def adopt(self, existing: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """Take over an existing object and bring its updatable fields to the inputs."""
        changes = {
            k: v for k, v in body.items() if k not in self.replace_on and existing.get(k) != v
        }
        if not changes:
            return existing
        result: dict[str, Any] = self.client().patch(
            f"{self.collection}/{existing['id']}", changes, if_match=existing.get("version")
        )
        return result


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def idempotency_key(identity: str, collection: str, body: dict[str, Any]) -> str:
    """Stable for one resource's create with these inputs: a retry (or a re-run within 24 h)
    replays the first answer and never creates, or charges, twice."""
    return f"pf-{fingerprint(identity, collection, body)[:48]}"


def client_reference(identity: str, body: dict[str, Any], attempt: int = 1) -> str:
    """A money object's reference, unique per partner forever (beyond the 24 h key window)."""
    base = f"{identity[:150]}#{fingerprint(body)[:16]}"
    return base if attempt == 1 else f"{base}~{attempt}"
