"""Outbound mail: one function that sends a plain-text mail through the relay of OMS_SMTP_URL, or logs it."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlparse

from models.core.config import Settings

logger = logging.getLogger("oms.mail")

SMTP_TIMEOUT_SECONDS = 10


def send_mail(settings: Settings, to: str, subject: str, body: str) -> None:
    """Send ``body`` to ``to`` from settings.mail_from; with no OMS_SMTP_URL, log the mail at INFO instead."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or None)
    message.set_content(body)
    if not settings.smtp_url:
        logger.info("mail not sent (OMS_SMTP_URL is unset) to %s: %s\n%s", to, subject, body)
        return
    url = urlparse(settings.smtp_url)
    # smtp:// is a trusted local relay (no STARTTLS); smtps:// speaks TLS from the first byte.
    kind = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    port = url.port or (465 if url.scheme == "smtps" else 25)
    with kind(url.hostname, port, timeout=SMTP_TIMEOUT_SECONDS) as relay:
        if url.username:
            relay.login(url.username, url.password or "")
        relay.send_message(message)
    logger.info("mail sent to %s: %s", to, subject)
