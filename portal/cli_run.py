"""`oms up` (everything in one process) and the one-role-per-process commands for production."""
from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta
from urllib.parse import urlparse

import click

from portal.cli_support import cli_context, stop_on_signals

logger = logging.getLogger("oms")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="seed demo data into an empty database and print the logins")
def up(host: str, port: int, demo: bool) -> None:
    """Run the whole system in one process: migrate, portal, workers, relay, sweeper, carrier sandbox."""
    os.environ.setdefault("OMS_PORTAL_URL", f"http://{_reachable_host(host)}:{port}")
    # The sandbox walks a parcel to delivered in half a minute: poll carriers without webhooks to match.
    os.environ.setdefault("OMS_TRACKING_POLL_SECONDS", "10")
    _clear_stale_metrics()
    with cli_context() as settings:
        from models.core.migrate import upgrade_database

        upgrade_database()
        logins = _seed_demo() if demo else []
    stop = threading.Event()
    threads = []
    sandbox = _start_sandbox(settings.carrier_url)
    mail = _start_mail_intake(settings)
    from dramatiq import Worker

    from workers.actors import broker  # noqa: F401 - declares every actor on the configured broker

    worker = Worker(broker.broker, worker_threads=settings.worker_threads, worker_timeout=100)
    worker.start()
    threads.append(_start_relay(broker.broker, settings, stop))
    server = _portal_server(settings, host, port)
    _announce(settings, host, port, logins, sandbox is not None, mail)
    stop_on_signals()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        click.echo("stopping…")
        stop.set()
        server.close()
        worker.stop(timeout=10_000)
        if sandbox is not None:
            sandbox.shutdown()
        if mail is not None:
            mail.stop()
        for thread in threads:
            thread.join(timeout=10)
    click.echo("stopped")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", type=click.IntRange(min=1), help="waitress threads (OMS_PORTAL_THREADS, default 8)")
def portal(host: str, port: int, threads: int | None) -> None:
    """Serve the portal and API (waitress). Run as many as you like behind a load balancer."""
    _clear_stale_metrics()
    with cli_context() as settings:
        pass
    threads = threads or settings.portal_threads
    server = _portal_server(settings, host, port, threads=threads)
    click.echo(f"portal on http://{host}:{port} ({threads} threads)")
    stop_on_signals()
    try:
        server.run()
    except KeyboardInterrupt:
        server.close()


@click.command()
@click.option("--processes", type=int, help="worker processes (OMS_WORKER_PROCESSES, default 2)")
@click.option("--threads", type=int, help="threads per process (OMS_WORKER_THREADS, default 4)")
@click.option("--queues", multiple=True, help="only consume these queues (e.g. oms_carrier)")
def worker(processes: int | None, threads: int | None, queues: tuple[str, ...]) -> None:
    """Run Dramatiq worker processes on the configured broker, each restarted alone if it dies (start more on
    more machines to scale)."""
    _clear_stale_metrics()
    with cli_context() as settings:
        pass
    if not settings.uses_rabbitmq:
        raise click.ClickException("OMS_BROKER_URL is not set: the in-process broker only runs inside `oms up`")
    from workers.supervisor import dramatiq_argv, supervise

    argv = dramatiq_argv(threads=threads or settings.worker_threads, queues=queues)
    raise SystemExit(supervise(processes or settings.worker_processes, argv))


@click.command()
def relay() -> None:
    """Publish the outbox to the broker and re-drive stuck orders (run one or more per deployment)."""
    _clear_stale_metrics()
    with cli_context() as settings:
        pass
    if not settings.uses_rabbitmq:
        raise click.ClickException("OMS_BROKER_URL is not set: the in-process broker only runs inside `oms up`")
    from workers.actors import broker

    stop = threading.Event()
    stop_on_signals()
    thread = _start_relay(broker.broker, settings, stop)
    click.echo("relay running; Ctrl-C to stop")
    try:
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        stop.set()
        thread.join(10)


@click.command("carrier-sandbox")
@click.option("--host", help="default: the host of OMS_CARRIER_URL")
@click.option("--port", type=int, help="default: the port of OMS_CARRIER_URL")
def carrier_sandbox(host: str | None, port: int | None) -> None:
    """Run the bundled carrier sandbox (waybills, idempotency keys, tracking events)."""
    from portal.carrier_sandbox import make_sandbox_server, sandbox_settings_from_env

    with cli_context() as settings:
        pass
    url = urlparse(settings.carrier_url)
    server = make_sandbox_server(host or url.hostname, port or url.port or 80, **sandbox_settings_from_env())
    click.echo(f"carrier sandbox on http://{host or url.hostname}:{port or url.port}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.shutdown()


def _seed_demo() -> list[tuple[str, str, str]]:
    from models.demo_data import demo_is_needed, seed_demo

    with cli_context():
        if not demo_is_needed():
            click.echo("demo: the database already has data; not seeding (logins from the first seed still work)")
            return []
        return list(seed_demo().logins)


def _start_sandbox(carrier_url: str):
    """Start the sandbox in a thread when OMS_CARRIER_URL points at this machine."""
    from portal.carrier_sandbox import make_sandbox_server, sandbox_settings_from_env

    url = urlparse(carrier_url)
    if url.hostname not in ("127.0.0.1", "localhost", "0.0.0.0"):
        return None
    sandbox_settings = sandbox_settings_from_env()
    if not os.environ.get("OMS_SANDBOX_DELIVERY_SECONDS"):
        sandbox_settings["delivery_seconds"] = 30.0  # let a demo order walk to delivered in half a minute
    server = make_sandbox_server(url.hostname, url.port or 80, **sandbox_settings)
    threading.Thread(target=server.serve_forever, name="carrier-sandbox", daemon=True).start()
    return server


def _start_mail_intake(settings):
    """The SMTP order intake, when its port is free (a second `oms up` on one machine goes without)."""
    from portal.mail_intake import start_mail_intake

    try:
        return start_mail_intake(settings)
    except (OSError, RuntimeError) as exc:
        logger.warning("mail intake not started on %s:%s: %s", settings.mail_intake_host,
                       settings.mail_intake_port, exc)
        return None


def _clear_stale_metrics() -> None:
    """Drop the metric files of this host's ended processes (see models/core/metrics.py) as a process starts."""
    from models.core.metrics import clear_stale_files

    clear_stale_files()


def _start_relay(broker, settings, stop: threading.Event) -> threading.Thread:
    from workers.relay import run_relay

    thread = threading.Thread(target=run_relay, name="outbox-relay", daemon=True, args=(broker, stop), kwargs={
        "interval": settings.relay_interval_seconds, "sweep_interval": settings.sweep_interval_seconds,
        "webhook_interval": settings.webhook_interval_seconds,
        "stuck_after": timedelta(seconds=settings.stuck_after_seconds),
        "poll_every": timedelta(seconds=settings.tracking_poll_seconds),
        "keep_sent": timedelta(hours=settings.outbox_retention_hours),
        "forecast_every": timedelta(hours=settings.forecast_every_hours),
        "forecast_horizon_weeks": settings.forecast_horizon_weeks, "max_ids": settings.stage_max_batch})
    thread.start()
    return thread


def _portal_server(settings, host: str, port: int, *, threads: int = 8):
    from waitress import create_server

    from portal.app import create_app

    return create_server(create_app(settings), host=host, port=port, threads=threads)


def _reachable_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::") else host


def _announce(settings, host: str, port: int, logins, sandbox_running: bool, mail) -> None:
    click.echo("")
    click.echo(f"Relay OMS is running at http://{_reachable_host(host)}:{port}/")
    click.echo(f"  database: {settings.database_url}")
    click.echo(f"  broker:   {settings.broker_url or 'in-process'}")
    click.echo(f"  carrier:  {settings.carrier_url}" + (" (sandbox in this process)" if sandbox_running else ""))
    if mail is not None:
        click.echo(f"  mail:     order files mailed to smtp://{mail.hostname}:{mail.port} are imported")
    for email, role, password in logins:
        click.echo(f"  login {email:<28} {role:<18} password: {password}")
    click.echo("Ctrl-C stops everything.")
    click.echo("")
