"""The SMTP listener for order mail (`oms mail-intake`): each mail is handed to models.intake.mail.receive_mail."""
from __future__ import annotations

import asyncio
import logging
import threading

import click
from aiosmtpd.controller import Controller

from models.core.config import Settings
from models.core.db import connection
from models.intake.mail import IntakeOutcome, receive_mail
from portal.cli_support import cli_context, stop_on_signals
from schemas.order_rows import import_row_schema

logger = logging.getLogger("oms.mail")

ACCEPTED = "250 Message accepted for delivery"
LOCAL_ERROR = "451 Requested action aborted: local error"


class OrderMailHandler:
    """aiosmtpd handler: records every mail in a worker thread, so the event loop never waits on the database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            outcome = await asyncio.to_thread(self.record, raw, envelope.mail_from or "")
        except Exception:  # a 4xx makes the sending server try again later
            logger.exception("could not record a mail from %s", envelope.mail_from)
            return LOCAL_ERROR
        logger.info("mail %s from %s: %s%s", outcome.message_id, outcome.sender, outcome.status,
                    " (redelivered)" if outcome.redelivered else "")
        return ACCEPTED

    def record(self, raw: bytes, envelope_from: str) -> IntakeOutcome:
        with connection():
            return receive_mail(raw, settings=self.settings, envelope_from=envelope_from, row_schema=import_row_schema)


def start_mail_intake(settings: Settings, *, hostname: str | None = None, port: int | None = None) -> Controller:
    """Start listening on the intake host and port (or those given); the caller stops the controller."""
    controller = Controller(OrderMailHandler(settings), hostname=hostname or settings.mail_intake_host,
                            port=port or settings.mail_intake_port,
                            # base64 makes an attachment about a third larger than the file itself
                            data_size_limit=settings.import_max_bytes * 3 // 2 + 1024 * 1024)
    controller.start()
    return controller


@click.command("mail-intake")
@click.option("--host", default=None, help="address to listen on  [default: OMS_MAIL_INTAKE_HOST]")
@click.option("--port", default=None, type=int, help="port to listen on  [default: OMS_MAIL_INTAKE_PORT]")
def mail_intake_command(host: str | None, port: int | None) -> None:
    """Receive order mail over SMTP until stopped (Ctrl-C or SIGTERM)."""
    with cli_context() as settings:
        controller = start_mail_intake(settings, hostname=host, port=port)
        click.echo(f"mail intake listening on {controller.hostname}:{controller.port}")
        stop_on_signals()
        try:
            threading.Event().wait()  # until Ctrl-C or SIGTERM arrives as KeyboardInterrupt
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
    click.echo("mail intake stopped")
