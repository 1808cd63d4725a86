"""One settings object for the service, the CLI and the jobs (env prefix ``PARTNERFLEET_``)."""

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Read from the environment; SQLite under ``./.partnerfleet`` when nothing is set."""

    model_config = SettingsConfigDict(env_prefix="PARTNERFLEET_", extra="ignore")

    data_dir: Path = Field(default=Path(".partnerfleet"))
    database_url: str | None = None
    secret_key: str | None = None
    test_clock: bool = False
    max_body_bytes: int = 64 * 1024
    # A plan carries a whole stack's intended changes (up to 5,000): its own, larger limit.
    plan_max_body_bytes: int = 4 * 1024 * 1024
    # A request's body must arrive within this time (a stalled upload is answered 408).
    request_read_seconds: float = 10.0
    # A streamed download (the ledger CSV) must be sent within this time, else it is cut off.
    export_send_seconds: float = 300.0
    idempotency_window_seconds: int = 24 * 3600
    validate_rate_per_minute: int = 120
    # Requests with an unknown or revoked key per address and minute before 429 (per worker).
    auth_failures_per_minute: int = 30
    usage_reports_per_minute: int = 60
    # Portal sign-in attempts per client address and minute, every worker together.
    sign_ins_per_minute: int = 10
    db_retry_attempts: int = 5
    jobs_interval_seconds: float = 60.0
    # Webhooks: https to public addresses only, unless the operator allows http (development)
    # or names networks (comma-separated CIDRs, e.g. "127.0.0.1/32" for a local receiver).
    webhook_allow_http: bool = False
    webhook_allowed_networks: str = ""
    webhook_deadline_seconds: float = 10.0
    # Proxies whose X-Forwarded-For names the client (comma-separated addresses or CIDRs);
    # empty: the peer address is the client, whatever a request's headers claim.
    trusted_proxies: str = ""
    # The portal: session cookies are Secure (https only) unless this is turned off for
    # development on http; the address people reach the service at (links in emails).
    portal_secure_cookies: bool = True
    public_url: str = "http://127.0.0.1:8000"
    # Who the vendor is, for customers whose partner does not support them or brand the page.
    vendor_name: str = "partnerfleet"
    vendor_support_email: str = "support@partnerfleet.invalid"
    vendor_support_phone: str = "+49 30 0000000"
    vendor_support_hours: str = "Mon-Fri 8:00-18:00 CET"
    # Email: without an SMTP host, mail stays in the outbox (and the portal shows it).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    mail_from: str = "partnerfleet <noreply@partnerfleet.invalid>"
    # Fault tests only: lets a request ask its worker to die at a named point (see failpoints).
    failpoints: bool = False

    def resolved_database_url(self) -> str:
        """The database URL; SQLite in the data directory by default."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'partnerfleet.db').resolve()}"

    def resolved_secret_key(self) -> bytes:
        """The server secret that keys are HMAC'd with; kept in the data dir when not set
        (read from there once per process)."""
        if self.secret_key:
            return self.secret_key.encode()
        path = (self.data_dir / "secret_key").resolve()
        known = _generated_secrets.get(path)
        if known is not None:
            return known
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            try:
                with path.open("x") as handle:
                    handle.write(secrets.token_hex(32))
                path.chmod(0o600)
            except FileExistsError:
                pass
        _generated_secrets[path] = path.read_text().strip().encode()
        return _generated_secrets[path]


_generated_secrets: dict[Path, bytes] = {}


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
