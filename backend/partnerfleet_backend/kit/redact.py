"""No secret reaches a log: API keys, license keys and webhook signing secrets are masked in
every log record of the process (its message, arguments and traceback), whoever logs it."""

import logging
import re
from typing import Any

SECRETS = re.compile(
    r"pf[ko]_[A-Za-z0-9_-]{8,}"  # API keys
    r"|PF(?:-[A-Z0-9]{5}){5}"  # license keys
    r"|whsec_[A-Za-z0-9_-]{8,}"  # webhook signing secrets
)
_installed = False


def redact(text: str) -> str:
    """`text` with every secret masked (its kind stays readable)."""
    return SECRETS.sub(lambda m: m.group(0)[:4] + "[redacted]", text)


def install_log_redaction() -> None:
    """Mask secrets in every log record made from now on in this process (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    make = logging.getLogRecordFactory()
    formatter = logging.Formatter()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return record
        record.msg, record.args = redact(message), None
        if record.exc_info:
            record.exc_text = redact(formatter.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    logging.setLogRecordFactory(factory)
