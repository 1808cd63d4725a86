"""People in the portal: users made as the CLI makes them, and a browser-like client that
signs in with the form (its token and cookies) and posts forms with the page's token."""

import re
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pyotp
from fastapi.testclient import TestClient

from partnerfleet_backend.cli import create_user
from partnerfleet_backend.settings import Settings
from tests.support.database import query

PASSWORD = "correct horse battery staple"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_user(settings: Settings, kind: str, role: str, **ids: str | None) -> str:
    """A new user's email (password PASSWORD)."""
    email = f"{kind}-{role}-{uuid.uuid4().hex[:8]}@example.org"
    create_user(settings, PASSWORD, email=email, name=f"{role} {kind}", kind=kind, role=role, **ids)
    return email


def form_token(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "no form token on the page"
    return found.group(1)


@dataclass
class Browser:
    """One person's cookie jar on the in-process app."""

    client: TestClient

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)

    def sign_in(self, email: str, password: str = PASSWORD) -> Any:
        page = self.client.get("/portal/sign-in")
        return self.client.post(
            "/portal/sign-in",
            data={"email": email, "password": password, "csrf_token": form_token(page.text)},
        )

    def post_from(self, page: str, target: str, data: dict[str, str]) -> Any:
        """Post to `target` a form shown on `page` (with that page's form token)."""
        token = form_token(self.client.get(page).text)
        return self.client.post(target, data={**data, "csrf_token": token})

    def submit(self, path: str, data: dict[str, str], *, token: bool = True) -> Any:
        """Post the form on `path` as a browser would (with the page's form token)."""
        page = self.client.get(path)
        fields = dict(data)
        if token:
            fields["csrf_token"] = form_token(page.text)
        return self.client.post(path, data=fields)


def browser(app: Any) -> Browser:
    """A fresh browser (its own cookies and its own client address) on the app."""
    address = f"198.51.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
    return Browser(TestClient(app, raise_server_exceptions=False, client=(address, 50000)))


def mailed_link(settings: Settings, to: str, kind: str = "invitation") -> str:
    """The link of the newest mail of `kind` to `to` that waits in the outbox (no SMTP server
    in these tests: what would reach the mailbox), as a path of the portal."""
    rows = query(
        settings,
        "SELECT secret FROM outbox WHERE to_address = :to AND kind = :kind "
        "ORDER BY created_at DESC, id DESC",
        to=to,
        kind=kind,
    )
    assert rows and rows[0]["secret"], f"no {kind} mail with a link waits for {to}"
    return "/" + str(rows[0]["secret"]).split("://", 1)[1].split("/", 1)[1]


def user_id_of(settings: Settings, email: str) -> str:
    rows = query(settings, "SELECT id FROM users WHERE email = :e", e=email)
    assert rows, email
    return str(rows[0]["id"])


SECRET = re.compile(r'id="totp-secret">([A-Z2-7]+)<')
RECOVERY = re.compile(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>")


def totp_code(secret: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows (`steps_ahead` 30-second steps later: a code is
    accepted once, and a step either side of now is accepted)."""
    return pyotp.TOTP(secret).at(int(time.time()) + 30 * steps_ahead)


def set_up_second_factor(person: Browser) -> tuple[str, list[str]]:
    """Turn the person's second factor on as a person does (scan the key, enter the code):
    the key and the recovery codes shown once."""
    page = person.get("/portal/me/second-factor")
    found = SECRET.search(page.text)
    assert found, "no key on the second factor's page"
    secret = found.group(1)
    shown = person.post_from(
        "/portal/me/second-factor",
        "/portal/me/second-factor",
        {"action": "confirm", "code": totp_code(secret)},
    )
    assert shown.status_code == 200, shown.text[-500:]
    codes = RECOVERY.findall(shown.text)
    assert len(codes) == 10
    return secret, codes
