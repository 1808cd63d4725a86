"""`partnerfleet rightsize FLEET_FILE`: the licenses that renew within 45 days with seats unused
(what the backend's `rightsizing` says: the peak in use of the last 30 days) get the peak as
their seats in the fleet file: a change to review in a pull request (its plan shows the
saving at the renewal), never applied by itself. Only the numbers change in the file: its
comments, order and layout stay."""

import argparse
from pathlib import Path
from typing import Any

import yaml

from partnerfleet.client import Client
from partnerfleet.config import resolve
from partnerfleet.errors import PartnerfleetError


def add_parser(commands: Any) -> None:
    rightsize = commands.add_parser(
        "rightsize",
        help="write the seats in use into the fleet file for licenses renewing with seats unused",
        description="Connects by PARTNERFLEET_ENDPOINT and PARTNERFLEET_API_KEY (a read key is "
        "enough). Changes the file only; review it in a pull request.",
    )
    rightsize.add_argument("fleet", type=Path, help="the fleet file (fleet.yaml)")
    rightsize.set_defaults(run=run)


def unused(client: Client) -> dict[str, dict[str, Any]]:
    """The right-sizing of every license that has one, by its reference."""
    return {
        str(lic["reference"]): lic["rightsizing"]
        for lic in client.list_all("/v1/licenses")
        if lic.get("rightsizing") and lic.get("reference")
    }


def _seats_nodes(text: str) -> list[tuple[str, yaml.ScalarNode]]:
    """Each license of the file that has a reference: (reference, its `seats` value node)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    found = []
    customers = _value(root, "customers")
    for customer in customers.value if isinstance(customers, yaml.SequenceNode) else []:
        licenses = _value(customer, "licenses")
        for lic in licenses.value if isinstance(licenses, yaml.SequenceNode) else []:
            reference, seats = _value(lic, "reference"), _value(lic, "seats")
            if isinstance(reference, yaml.ScalarNode) and isinstance(seats, yaml.ScalarNode):
                found.append((str(reference.value), seats))
    return found


def _value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key:
                found: yaml.Node = v
                return found
    return None


def rightsized(text: str, savings: dict[str, dict[str, Any]]) -> tuple[str, list[str]]:
    """The file's text with the seats lowered, and what was lowered (as lines to print)."""
    edits = []
    said = []
    for reference, node in _seats_nodes(text):
        saving = savings.get(reference)
        if saving is None or str(node.value) != str(saving["seats"]):
            continue  # no saving, or the file asks for something else already
        keep = max(int(saving["peak_used"]), 1)
        edits.append((node.start_mark.index, node.end_mark.index, str(keep)))
        said.append(f"{reference}: seats {saving['seats']} -> {keep}: {saving['said']}")
    for start, end, value in sorted(edits, reverse=True):
        text = text[:start] + value + text[end:]
    return text, said


def run(args: argparse.Namespace) -> int:
    connection = resolve(lambda _name: None)
    if not connection.api_key:
        raise PartnerfleetError("no API key: set PARTNERFLEET_API_KEY (a read key is enough)")
    try:
        text = args.fleet.read_text(encoding="utf-8")
    except OSError as error:
        raise PartnerfleetError(f"{args.fleet}: cannot read: {error.strerror}") from None
    new, said = rightsized(text, unused(Client(connection.endpoint, connection.api_key)))
    if not said:
        print("no license renewing within 45 days has seats unused")
        return 0
    args.fleet.write_text(new, encoding="utf-8")
    print("\n".join(said))
    print(f"{args.fleet}: {len(said)} license(s) lowered; review the change in a pull request")
    return 0
