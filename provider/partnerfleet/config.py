"""Where the backend is and which key to use: stack config first, environment as fallback.

``configure()`` of the dynamic provider runs in the provider process with the stack's
configuration (secrets decrypted). What it reads lives here, in the process, never on the
provider object: so no key, session or client ever reaches the Pulumi state.
"""

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from partnerfleet.client import Client
from partnerfleet.errors import PartnerfleetError

DEFAULT_ENDPOINT = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Connection:
    endpoint: str
    api_key: str = ""

    def __repr__(self) -> str:
        return f"Connection({self.endpoint!r})"


_lock = threading.Lock()
_configured: Connection | None = None
_clients: dict[Connection, Client] = {}


def resolve(setting: Callable[[str], Any]) -> Connection:
    """The one rule for where to connect: the stack's ``partnerfleet:endpoint`` and
    ``partnerfleet:apiKey`` first, ``PARTNERFLEET_ENDPOINT`` and ``PARTNERFLEET_API_KEY`` as
    fallback. `setting("endpoint")` reads the stack's value (None when unset)."""
    endpoint = setting("endpoint")
    api_key = setting("apiKey")
    return Connection(
        endpoint=str(endpoint or os.environ.get("PARTNERFLEET_ENDPOINT") or DEFAULT_ENDPOINT),
        api_key=str(api_key or os.environ.get("PARTNERFLEET_API_KEY") or ""),
    )


def configure_from(config: Any) -> None:
    """Take the connection from the provider's config bag (``partnerfleet:endpoint`` ...)."""
    global _configured
    found = resolve(lambda name: config.get(f"partnerfleet:{name}") if config else None)
    with _lock:
        _configured = found


def connection() -> Connection:
    """The configured connection (environment variables when configure() never ran)."""
    with _lock:
        if _configured is not None:
            return _configured
    return resolve(lambda _name: None)


def client_for(conn: Connection) -> Client:
    """The process's client for `conn` (one per connection, shared by threads)."""
    if not conn.api_key:
        raise PartnerfleetError(
            "no API key: run `pulumi config set --secret partnerfleet:apiKey <key>` "
            "(or set PARTNERFLEET_API_KEY)"
        )
    with _lock:
        found = _clients.get(conn)
        if found is None:
            found = _clients[conn] = Client(conn.endpoint, conn.api_key)
        return found


def client() -> Client:
    """The provider process's client for the configured connection."""
    return client_for(connection())
