"""`partnerfleet drift`: what changed outside the code since the last up, found before the next
pull request. It compares what the stack recorded (`pulumi stack export`) with what the backend
holds now (a seat count, an access limit, an operator hold ...), and prices what `pulumi up`
would do to put the code back (a refresh preview, nothing applied, through the plan endpoint).
`partnerfleet issue` keeps one issue of the repository current with it: opened on the first
drift, updated while it lasts, closed when it is gone.

Exit codes of `drift`: 0 no drift, 3 drift found (the Markdown says what), 2 it could not ask.
"""

import argparse
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from partnerfleet.client import Client
from partnerfleet.config import DEFAULT_ENDPOINT
from partnerfleet.errors import PartnerfleetError
from partnerfleet.plan import preview, render

MARKER = "<!-- partnerfleet-drift -->"
CLEAN = "No drift"
DRIFT = 3
# What a reviewer needs to know changed, per kind (bookkeeping such as versions is left out).
WATCHED = {
    "License": ("seats", "edition", "status", "auto_renew", "term_months", "seats_next_term"),
    "CustomerOrg": ("access", "access_products", "status", "pays", "support_by", "name"),
    "AddOn": ("status", "auto_renew"),
    "SupportLevel": ("support_level",),
}
COLLECTIONS = {"License": "/v1/licenses", "CustomerOrg": "/v1/customers", "AddOn": "/v1/addons"}


class DriftError(PartnerfleetError):
    """The drift could not be found out: exit 2."""


@dataclass(frozen=True)
class Difference:
    kind: str
    label: str
    field: str
    recorded: Any
    now: Any


def add_parser(commands: Any) -> None:
    drift = commands.add_parser(
        "drift",
        help="what changed outside the code since the last up, and the plan of putting it back",
        description="Connects by PARTNERFLEET_API_KEY (a read key is enough). Exit 0: no "
        "drift; 3: drift found; 2: could not ask.",
    )
    drift.add_argument("--stack", help="the stack")
    drift.add_argument("--cwd", type=Path, help="the Pulumi program's directory")
    drift.add_argument("--markdown", type=Path, help="write the report (for `partnerfleet issue`)")
    drift.add_argument("--endpoint", help="the backend (default: the stack's, or env)")
    drift.set_defaults(run=run)
    issue = commands.add_parser(
        "issue",
        help="open, update or close the one drift issue of the repository (GitHub's API)",
    )
    issue.add_argument("markdown", type=Path, help="the file `partnerfleet drift` wrote")
    issue.add_argument("--title", default="Drift: the fleet changed outside the code")
    issue.set_defaults(run=run_issue)


def _pulumi(args: argparse.Namespace, *command: str) -> dict[str, Any]:
    full = ["pulumi", *command, "--non-interactive"]
    if args.stack:
        full += ["--stack", args.stack]
    try:
        done = subprocess.run(  # noqa: S603 (our own argument list, no shell)
            full, cwd=args.cwd, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise DriftError("pulumi is not on PATH") from None
    if done.returncode != 0:
        raise DriftError(f"pulumi {command[0]} failed: {done.stderr.strip()[-500:]}")
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def recorded(deployment: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """The partnerfleet resources the stack recorded: (kind, label, id, outputs)."""
    found = []
    for resource in deployment.get("deployment", {}).get("resources", []):
        state = preview.snaked(resource)  # the plugin's names as the resources name them
        kind = preview.kind_of({"newState": state})
        if kind not in WATCHED or not state.get("id"):
            continue
        outputs = state.get("outputs") or {}
        label = preview.label_of(outputs, str(state.get("urn", "")))
        found.append((kind, label, str(state["id"]), outputs))
    return found


def held(client: Client) -> dict[str, Any]:
    """What the backend holds now: each collection by id, and the support level."""
    objects: dict[str, Any] = {
        item["id"]: item for path in COLLECTIONS.values() for item in client.list_all(path)
    }
    objects["support"] = client.get("/v1/support")
    return objects


def differences(
    resources: list[tuple[str, str, str, dict[str, Any]]], now: dict[str, Any]
) -> list[Difference]:
    found = []
    for kind, label, object_id, outputs in resources:
        current = now.get("support" if kind == "SupportLevel" else object_id)
        if current is None:
            found.append(Difference(kind, label, "(the object)", "exists", "gone"))
            continue
        for name in WATCHED[kind]:
            if outputs.get(name) != current.get(name):  # a field left out is null
                found.append(Difference(kind, label, name, outputs.get(name), current.get(name)))
    return found


def report(stack: str, found: list[Difference], plan: dict[str, Any] | None, why: str) -> str:
    lines = [MARKER, f"## Drift in stack `{stack}`", ""]
    if not found and not (plan and plan["changes"]):
        return "\n".join([*lines, f"{CLEAN}: the backend holds what the code says.", ""])
    if found:
        lines += [
            "Changed outside the code since the last `pulumi up`:",
            "",
            "| resource | field | recorded | now |",
            "|---|---|---|---|",
            *(
                f"| {d.kind} `{d.label}` | {d.field} | {_cell(d.recorded)} | {_cell(d.now)} |"
                for d in found
            ),
            "",
        ]
    if plan is not None and plan["changes"]:
        lines += ["### Putting the code back (what `pulumi up --refresh` would do)", ""]
        body = render.markdown(plan, {}).replace(render.MARKER, "").strip()
        lines += [body, ""]
    elif plan is not None:
        lines += ["`pulumi up --refresh` would change nothing: the code accepts it.", ""]
    if why:
        lines += [f"The preview of putting the code back fails: {why}", ""]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    return "-" if value is None else str(value).replace("|", "\\|")


def run(args: argparse.Namespace) -> int:
    key = os.environ.get("PARTNERFLEET_API_KEY")
    if not key:
        raise DriftError("set PARTNERFLEET_API_KEY (a read key is enough)")
    state = _pulumi(args, "stack", "export")
    stack_endpoint = _pulumi(args, "config", "--json").get("partnerfleet:endpoint") or {}
    endpoint = (
        args.endpoint
        or os.environ.get("PARTNERFLEET_ENDPOINT")
        or stack_endpoint.get("value")
        or DEFAULT_ENDPOINT
    )
    client = Client(endpoint, key)
    found = differences(recorded(state), held(client))
    plan, why = None, ""
    try:
        document = preview.run_preview(args.cwd, args.stack, ["--refresh"])
        changes = preview.extract(document).changes
        plan = client.post("/v1/plans", {"changes": changes})
    except preview.PreviewError as failed:
        why = str(failed)
    text = report(args.stack or "(current)", found, plan, why)
    if args.markdown:
        args.markdown.write_text(text)
    print(text)
    return DRIFT if found or why or (plan and plan["changes"]) else 0


def run_issue(args: argparse.Namespace) -> int:
    """Open the drift issue, update it, or close it when the report says there is none."""
    token = os.environ.get("GITHUB_TOKEN")
    repository = os.environ.get("GITHUB_REPOSITORY")
    if not token or not repository:
        raise DriftError("GITHUB_TOKEN and GITHUB_REPOSITORY are needed for the issue")
    body = args.markdown.read_text()
    if MARKER not in body:
        raise DriftError(f"{args.markdown} is not a report written by `partnerfleet drift`")
    api = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    http = requests.Session()
    http.headers.update(
        {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"}
    )
    listed = http.get(f"{api}/repos/{repository}/issues?state=open&per_page=100", timeout=30)
    if listed.status_code != 200:
        raise DriftError(f"listing the issues failed: HTTP {listed.status_code}")
    existing = next((i for i in listed.json() if MARKER in (i.get("body") or "")), None)
    clean = CLEAN in body
    if existing is None and clean:
        print("no drift, no issue")
        return 0
    if existing is None:
        done = http.post(
            f"{api}/repos/{repository}/issues", json={"title": args.title, "body": body}, timeout=30
        )
    else:
        change: dict[str, Any] = {"body": body}
        if clean:
            change["state"] = "closed"
        done = http.patch(existing["url"], json=change, timeout=30)
    if done.status_code not in (200, 201):
        raise DriftError(f"writing the issue failed: HTTP {done.status_code}")
    print(done.json().get("html_url") or done.json().get("url"))
    return 0
