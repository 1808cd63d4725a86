"""Email from an outbox: written in the transaction that causes it (an invitation, a
reminder, a warning, a statement), at most once per dedupe key, and sent later by the
scheduler through the configured SMTP server, never from a request. Without an SMTP server
the mail stays in the outbox, where the portal shows it."""

import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy.orm import Session

from partnerfleet_backend.database import run_in_transaction
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.mail import repository
from partnerfleet_backend.models import MailState, OutboxMail
from partnerfleet_backend.operations.clock import utcnow
from partnerfleet_backend.pipeline.context import Ctx
from partnerfleet_backend.settings import Settings

MAX_ATTEMPTS = 8
BATCH = 50


def queue(
    ctx: Ctx,
    *,
    partner_id: str | None,
    kind: str,
    to: str | None,
    subject: str,
    body: str,
    dedupe_key: str | None = None,
    attachment: tuple[str, bytes] | None = None,
) -> bool:
    """Put a mail in the outbox (nothing when there is no address, or when a mail with
    `dedupe_key` is there already); True when queued."""
    if not to:
        return False
    if dedupe_key is not None and repository.dedupe_keys_present(ctx.session, [dedupe_key]):
        return False
    ctx.session.add(
        OutboxMail(
            id=new_id("mail"),
            partner_id=partner_id,
            kind=kind,
            to_address=to,
            subject=subject,
            body=body,
            attachment_name=attachment[0] if attachment else None,
            attachment=attachment[1] if attachment else None,
            dedupe_key=dedupe_key,
            state=MailState.PENDING,
            attempts=0,
            created_at=ctx.now,
        )
    )
    return True


def outbox(
    ctx: Ctx, partner_id: str, limit: int, cursor: str | None
) -> tuple[list[OutboxMail], str | None]:
    return repository.outbox_page(ctx.session, partner_id, limit, cursor)


def _message(settings: Settings, mail: OutboxMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(idstring=mail.id, domain="partnerfleet.invalid")
    message.set_content(mail.body)
    if mail.attachment is not None and mail.attachment_name:
        kind = "pdf" if mail.attachment_name.endswith(".pdf") else "octet-stream"
        message.add_attachment(
            mail.attachment, maintype="application", subtype=kind, filename=mail.attachment_name
        )
    return message


def send_due(settings: Settings) -> dict[str, int]:
    """Send what is due through the SMTP server; each mail once (claimed with a lease), a
    failure retried with backoff. Without an SMTP host, nothing leaves the outbox."""
    if not settings.smtp_host:
        return {"sent": 0, "failed_attempts": 0}

    def claim(session: Session) -> list[tuple[str, EmailMessage]]:
        now = utcnow()
        claimed = []
        for mail in repository.claim_due(session, now, BATCH):
            mail.attempts += 1
            mail.next_attempt_at = now + timedelta(minutes=min(2**mail.attempts, 120))
            claimed.append((mail.id, _message(settings, mail)))
        return claimed

    due = run_in_transaction(claim, settings)
    sent = failed = 0
    if not due:
        return {"sent": 0, "failed_attempts": 0}
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user and settings.smtp_password:
                smtp.login(settings.smtp_user, settings.smtp_password)
            for mail_id, message in due:
                try:
                    smtp.send_message(message)
                    error = None
                except smtplib.SMTPException as problem:
                    error = f"{type(problem).__name__}: {problem}"[:300]
                _record(settings, mail_id, error)
                sent += error is None
                failed += error is not None
    except (OSError, smtplib.SMTPException) as problem:  # the server: every claimed mail waits
        for mail_id, _ in due[sent + failed :]:
            _record(settings, mail_id, f"{type(problem).__name__}: {problem}"[:300])
            failed += 1
    return {"sent": sent, "failed_attempts": failed}


def _record(settings: Settings, mail_id: str, error: str | None) -> None:
    def work(session: Session) -> None:
        mail = repository.get(session, mail_id)
        if mail is None:
            return
        if error is None:
            mail.state, mail.sent_at, mail.last_error = MailState.SENT, utcnow(), None
        else:
            mail.last_error = error
            if mail.attempts >= MAX_ATTEMPTS:
                mail.state = MailState.FAILED

    run_in_transaction(work, settings)
