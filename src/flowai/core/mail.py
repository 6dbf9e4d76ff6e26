"""Email to people (admins told that a webhook endpoint was disabled, invitations, password
resets), sent as a retried job.

`notify()` writes a `core.send_email` job into the caller's transaction, so a notice and its
email exist together or not at all, and an SMTP outage delays the mail instead of losing it.
Without FLOWAI_SMTP_URL the job logs the message and succeeds (dev machines have no mail server).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from sqlalchemy.orm import Session

from flowai.core import sealing
from flowai.core.jobs import JobQueue

log = logging.getLogger("flowai.mail")


def notify(
    jobs: JobQueue, s: Session, *, to: list[str], subject: str, body: str, secret: bool = False
) -> None:
    """Queue one email. `secret`: the body holds a credential (an invitation link), so the job
    payload keeps it sealed with FLOWAI_SECRET_KEY instead of in clear."""
    if to:
        text = {"body_sealed": sealing.seal(body)} if secret else {"body": body}
        jobs.enqueue_in(
            s, kind="core.send_email", payload={"to": sorted(set(to)), "subject": subject, **text}
        )


def send(
    smtp_url: str | None, sender: str, to: list[str], subject: str, body: str, timeout: float = 30.0
) -> bool:
    """Send one plain-text message; False when no SMTP server is configured."""
    if not smtp_url:
        # a development machine: the log is the mailbox (a reset or invite link is usable from here)
        log.info("email not sent (FLOWAI_SMTP_URL unset)", extra={"to": to, "subject": subject, "body": body})
        return False
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, ", ".join(to), subject
    msg.set_content(body)
    url = urlsplit(smtp_url)
    if url.scheme not in ("smtp", "smtps"):
        raise ValueError("FLOWAI_SMTP_URL must start with smtp:// or smtps://")
    host, port = url.hostname or "localhost", url.port or (465 if url.scheme == "smtps" else 587)
    context = ssl.create_default_context()
    if url.scheme == "smtps":
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
    with server:
        if url.scheme == "smtp":
            server.ehlo()
            if server.has_extn("starttls"):
                server.starttls(context=context)
                server.ehlo()
        if url.username:
            server.login(unquote(url.username), unquote(url.password or ""))
        server.send_message(msg)
    return True
