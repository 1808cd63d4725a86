"""Stable identities: which resource a request comes from, so retries and re-runs of one
`pulumi up` never create or charge twice."""

import hashlib
import json
from typing import Any

IDENTITY_KEY = "pf_identity"  # project/stack/type/name, set by the resource class
ASKED_KEY = "pf_inputs"  # in the outputs: the inputs the program set


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
