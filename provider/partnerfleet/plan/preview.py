"""From a stack's `pulumi preview --json` to the plan endpoint's changes.

Each partnerfleet step becomes what `pulumi up` would send: a create's inputs, an update's
body (computed by the resource's own provider from the recorded outputs and the new inputs),
a delete's id; a replace is a create followed by a delete, in the engine's order. A new
license whose customer is created in the same preview names that customer by its URN.
"""

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partnerfleet.errors import PartnerfleetError
from partnerfleet.plugin.wire import snake
from partnerfleet.resources.addon import AddOnProvider
from partnerfleet.resources.customer_org import CustomerOrgProvider
from partnerfleet.resources.license import LicenseProvider
from partnerfleet.resources.provider import BackendProvider, keeps_reference
from partnerfleet.resources.support_level import SupportLevelProvider
from partnerfleet.resources.values import is_unknown

TYPE_PREFIX = "pulumi-python:dynamic/partnerfleet:"  # the dynamic provider's resources
PLUGIN_PREFIX = "partnerfleet:index:"  # the provider plugin's (camelCase names)
PROVIDERS: dict[str, tuple[str, BackendProvider]] = {
    "CustomerOrg": ("customer", CustomerOrgProvider()),
    "License": ("license", LicenseProvider()),
    "AddOn": ("addon", AddOnProvider()),
    "SupportLevel": ("support", SupportLevelProvider()),
}
SKIPPED_OPS = {"same", "read", "refresh", "discard", "import"}


class PreviewError(PartnerfleetError):
    """The preview could not be run or read."""


@dataclass
class Extracted:
    """What the plan needs from a preview."""

    changes: list[dict[str, Any]] = field(default_factory=list)
    endpoint: str | None = None
    customers: dict[str, str] = field(default_factory=dict)  # customer id or URN -> label
    steps: int = 0  # partnerfleet steps that change something


def run_preview(cwd: Path | None, stack: str | None, extra: list[str]) -> dict[str, Any]:
    """Run `pulumi preview --json` (no changes are made) and return its document."""
    command = ["pulumi", "preview", "--json", "--non-interactive", *extra]
    if stack:
        command += ["--stack", stack]
    try:
        done = subprocess.run(  # noqa: S603 (our own argument list, no shell)
            command, cwd=cwd, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise PreviewError("pulumi is not on PATH (source the environment file first)") from None
    document = _parse(done.stdout)
    if done.returncode != 0:
        raise PreviewError(f"pulumi preview failed: {_why(document, done.stderr)}")
    return document


GENERIC = ("preview failed", "update failed", "one or more errors occurred")


def _why(document: dict[str, Any], stderr: str) -> str:
    """The preview's own message (a fleet file's line, a protected resource), not the
    engine's closing "preview failed"."""
    for diagnostic in document.get("diagnostics", []):
        if diagnostic.get("severity") != "error":
            continue
        lines = [
            line.strip().removeprefix("error:").strip()
            for line in str(diagnostic.get("message", "")).splitlines()
        ]
        lines = [line for line in lines if line and line.lower().rstrip(".") not in GENERIC]
        if lines:
            return " ".join(lines)[:500]
    last = [line for line in stderr.strip().splitlines() if line.strip()]
    return last[-1][:500] if last else "(no output)"


def read_preview(path: str) -> dict[str, Any]:
    """A saved `pulumi preview --json` document ("-" for standard input)."""
    try:
        text = Path("/dev/stdin").read_text() if path == "-" else Path(path).read_text()
    except OSError as error:
        raise PreviewError(f"{path}: cannot read the preview: {error.strerror}") from None
    return _parse(text)


def _parse(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except ValueError:
        raise PreviewError("the preview is not the JSON of `pulumi preview --json`") from None
    if not isinstance(document, dict) or not isinstance(document.get("steps", []), list):
        raise PreviewError("the preview is not the JSON of `pulumi preview --json`")
    return document


def kind_of(step: dict[str, Any]) -> str | None:
    state = step.get("newState") or step.get("oldState") or {}
    token = str(state.get("type", ""))
    for prefix in (TYPE_PREFIX, PLUGIN_PREFIX):
        if token.startswith(prefix):
            return token.removeprefix(prefix)
    return None


def snaked(state: dict[str, Any]) -> dict[str, Any]:
    """A step's state with the plugin's camelCase property names as the resources name them
    (a dynamic resource's state is as it is)."""
    if not str(state.get("type", "")).startswith(PLUGIN_PREFIX):
        return state
    snaked = dict(state)
    for key in ("inputs", "outputs", "propertyDependencies"):
        if isinstance(state.get(key), dict):
            snaked[key] = {snake(k): v for k, v in state[key].items()}
    return snaked


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _known(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if not is_unknown(v)}


def extract(document: dict[str, Any]) -> Extracted:
    """The plan's changes for the partnerfleet steps of a preview."""
    found = Extracted(endpoint=(document.get("config") or {}).get("partnerfleet:endpoint"))
    for step in document.get("steps", []):
        kind = kind_of(step)
        op = str(step.get("op", ""))
        if kind is None or kind not in PROVIDERS:
            continue
        old, new = snaked(step.get("oldState") or {}), snaked(step.get("newState") or {})
        if kind == "CustomerOrg":
            for state, values in ((old, old.get("outputs") or {}), (new, new.get("inputs") or {})):
                if values.get("reference"):
                    label = str(values["reference"])
                    found.customers[str(state.get("id") or state.get("urn"))] = label
                    found.customers[str(state.get("urn"))] = label
        if op in SKIPPED_OPS:
            continue
        found.steps += 1
        object_type, provider = PROVIDERS[kind]
        urn = str(step.get("urn"))
        delete = {
            "key": f"{urn}#old" if op == "replace" else urn,
            "label": label_of(old.get("outputs") or {}, urn),
            "action": "delete",
            "type": object_type,
            "id": old.get("id") if object_type != "support" else None,
        }
        # a replacement that keeps its unique reference deletes first, as the engine will
        delete_first = op == "replace" and keeps_reference(
            provider.state(old.get("outputs") or {}), provider.inputs(new.get("inputs") or {})
        )
        if delete_first:  # in place, before its replacement
            found.changes.append(delete)
        if op in ("delete", "delete-replaced"):
            found.changes.append({**delete, "at_end": True})
        if op in ("create", "replace", "create-replacement"):
            found.changes.append(_create(object_type, provider, urn, new))
        if op == "update":
            found.changes.append(_update(object_type, provider, urn, old, new))
        if op == "replace" and not delete_first:  # the old one goes when everything else went
            found.changes.append({**delete, "at_end": True})
    return found


def label_of(values: dict[str, Any], urn: str) -> str:
    return str(values.get("reference") or values.get("option") or _name(urn))


def _create(
    object_type: str, provider: BackendProvider, urn: str, new: dict[str, Any]
) -> dict[str, Any]:
    inputs = provider.inputs(new.get("inputs") or {})
    values = _known(inputs.create_body())
    if inputs.get("adopt"):
        values["adopt"] = True  # the plan adopts as the create would
    change: dict[str, Any] = {
        "key": urn,
        "label": label_of(inputs.values, urn),
        "action": "create",
        "type": object_type,
        "inputs": values,
    }
    if object_type == "license" and "customer_id" not in values:
        depends = (new.get("propertyDependencies") or {}).get("customer_id") or []
        if depends:
            change["customer"] = str(depends[0])
    return change


def _update(
    object_type: str,
    provider: BackendProvider,
    urn: str,
    old: dict[str, Any],
    new: dict[str, Any],
) -> dict[str, Any]:
    inputs = provider.inputs(new.get("inputs") or {})
    if object_type == "support":
        body = {"support_level": inputs.get("support_level")}
    else:
        body = provider.update_body(provider.state(old.get("outputs") or {}), inputs)
    return {
        "key": urn,
        "label": label_of({**(old.get("outputs") or {}), **inputs.values}, urn),
        "action": "update",
        "type": object_type,
        "id": old.get("id") if object_type != "support" else None,
        "inputs": _known(body),
    }
