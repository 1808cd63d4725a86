"""Email from an outbox: written in the transaction that causes it (an invitation, a
reminder, a warning, a statement), at most once per dedupe key, and sent later by the
scheduler through the configured SMTP server, never from a request. Without an SMTP server
the mail stays in the outbox, where the portal shows it."""

import smtplib
import ssl
from contextlib import suppress
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy.orm import Session

from partnerfleet_backend.db.context import Ctx
from partnerfleet_backend.db.engines import run_in_transaction
from partnerfleet_backend.kit.ids import new_id
from partnerfleet_backend.kit.schemas import valid_email
from partnerfleet_backend.mail import repository
from partnerfleet_backend.models import SECRET_MARK, MailState, OutboxMail
from partnerfleet_backend.operations.clock import utcnow
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
    secret: str | None = None,
) -> bool:
    """Put a mail in the outbox (nothing when there is no address, or when a mail with
    `dedupe_key` is there already); True when queued. `secret` (a link only the recipient may
    read) stands where the body says `SECRET_MARK`, and is kept only until the mail is sent."""
    if not to:
        return False
    if dedupe_key is not None and repository.dedupe_keys_present(ctx.session, [dedupe_key]):
        return False
    if secret is not None and SECRET_MARK not in body:
        raise ValueError("a mail's secret needs its place in the body")
    ctx.session.add(
        OutboxMail(
            id=new_id("mail"),
            partner_id=partner_id,
            kind=kind,
            to_address=to,
            subject=subject,
            body=body,
            secret=secret,
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
    """The message of one outbox row; ValueError (or what the email package raises) for a
    row that cannot be one (an address with a line break, a list of addresses)."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = valid_email(mail.to_address)  # one mailbox, written before this check too
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(idstring=mail.id, domain="partnerfleet.invalid")
    message.set_content(mail.body.replace(SECRET_MARK, mail.secret or "[no longer available]"))
    if mail.attachment is not None and mail.attachment_name:
        kind = "pdf" if mail.attachment_name.endswith(".pdf") else "octet-stream"
        message.add_attachment(
            mail.attachment, maintype="application", subtype=kind, filename=mail.attachment_name
        )
    return message


def send_due(settings: Settings) -> dict[str, int]:
    """Send what is due through the SMTP server; each mail on its own: claimed with a lease,
    built, sent and recorded, a failure retried with backoff. A row that cannot be built
    into a message is marked failed with its reason, and the others go on. Without an SMTP
    host, nothing leaves the outbox."""
    done = {"sent": 0, "failed_attempts": 0}
    if not settings.smtp_host:
        return done

    def claim(session: Session) -> list[OutboxMail]:
        now = utcnow()
        claimed = repository.claim_due(session, now, BATCH)
        for mail in claimed:
            mail.attempts += 1
            mail.next_attempt_at = now + timedelta(minutes=min(2**mail.attempts, 120))
        return claimed

    due = run_in_transaction(claim, settings)
    smtp: smtplib.SMTP | None = None
    try:
        for mail in due:
            try:
                message = _message(settings, mail)
            except Exception as unbuildable:  # this row's data: it never will be a message
                _record(settings, mail.id, _reason(unbuildable), final=True)
                done["failed_attempts"] += 1
                continue
            try:
                if smtp is None:
                    smtp = _connect(settings)
                smtp.send_message(message)
            except smtplib.SMTPRecipientsRefused as refused:  # this address, not the server
                _record(settings, mail.id, _reason(refused))
                done["failed_attempts"] += 1
                continue
            except (OSError, smtplib.SMTPException) as down:  # the server: the rest waits
                for waiting in due[due.index(mail) :]:
                    _record(settings, waiting.id, _reason(down))
                    done["failed_attempts"] += 1
                return done
            _record(settings, mail.id, None)
            done["sent"] += 1
    finally:
        if smtp is not None:
            with suppress(OSError, smtplib.SMTPException):
                smtp.quit()
    return done


def _connect(settings: Settings) -> smtplib.SMTP:
    assert settings.smtp_host
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20)
    if settings.smtp_starttls:
        smtp.starttls(context=ssl.create_default_context())
    if settings.smtp_user and settings.smtp_password:
        smtp.login(settings.smtp_user, settings.smtp_password)
    return smtp


def _reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".splitlines()[0][:300]


def _record(settings: Settings, mail_id: str, error: str | None, *, final: bool = False) -> None:
    """The outcome of one attempt: sent (its secret dropped), or the error; failed for good
    after the last attempt or when it can never be sent (`final`)."""

    def work(session: Session) -> None:
        mail = repository.get(session, mail_id)
        if mail is None:
            return
        if error is None:
            mail.state, mail.sent_at, mail.last_error = MailState.SENT, utcnow(), None
            mail.secret = None
        else:
            mail.last_error = error
            if final or mail.attempts >= MAX_ATTEMPTS:
                mail.state, mail.secret = MailState.FAILED, None

    run_in_transaction(work, settings)
