"""A secret the service must read back (a person's TOTP key: a code is checked against it, so
it cannot be kept as a hash), sealed at rest with the server's key.

AES-GCM from the `cryptography` package, under a key derived (HKDF-SHA256) from the server's
secret for one purpose, and bound to the row the value belongs to: a sealed value copied into
another person's row does not open there. Stored as text, `v1:` and the URL-safe base64 of the
nonce and the sealed bytes; a database dump or a backup shows no usable secret. A server key
that changed opens nothing sealed before (like the API keys HMAC'd with it).
"""

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "v1:"
_NONCE = 12  # bytes, AES-GCM's own size


class Unsealable(ValueError):
    """A stored value that does not open with this server's key (or for this row)."""


def _aead(server_key: bytes, purpose: str) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"partnerfleet {purpose}".encode()
    ).derive(server_key)
    return AESGCM(derived)


def seal(server_key: bytes, purpose: str, value: str, bound_to: str) -> str:
    """`value` sealed for `purpose` and the row `bound_to` (a fresh nonce each time)."""
    nonce = os.urandom(_NONCE)
    sealed = _aead(server_key, purpose).encrypt(nonce, value.encode(), bound_to.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def open_sealed(server_key: bytes, purpose: str, stored: str, bound_to: str) -> str:
    """The value a `seal` made; Unsealable if it was not sealed by this key, purpose and row."""
    if not is_sealed(stored):
        raise Unsealable("not a sealed value")
    try:
        raw = base64.urlsafe_b64decode(stored[len(PREFIX) :].encode())
        opened = _aead(server_key, purpose).decrypt(raw[:_NONCE], raw[_NONCE:], bound_to.encode())
    except (InvalidTag, ValueError) as refused:
        raise Unsealable("the value does not open with this server's key") from refused
    return opened.decode()
