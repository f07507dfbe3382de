"""All OMS settings, read from OMS_* environment variables with embedded defaults.

Nothing here has side effects at import. ``load_settings()`` validates every value and raises
ConfigError naming the variable, so a bad setting fails at start rather than mid-pipeline.
"""
from __future__ import annotations

import math
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import urlparse

from models.core.currencies import CURRENCIES
from models.core.errors import ConfigError

SQL_SCHEMES = ("sqlite", "postgresql", "postgres")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    broker_url: str  # "" selects the in-process broker
    secret_key: str
    carrier_url: str
    carrier_webhook_secret: str
    portal_url: str
    stuck_after_seconds: int
    relay_interval_seconds: float
    sweep_interval_seconds: float
    worker_processes: int
    worker_threads: int
    portal_threads: int  # waitress threads of one `oms portal` process
    import_max_bytes: int
    import_max_rows: int
    import_max_cell_chars: int  # one cell of an order file; Excel's own limit by default
    import_max_unpacked_bytes: int  # an XLSX's parts together, as its zip declares them
    import_max_unpack_ratio: int  # unpacked / packed size of one XLSX part (zip bombs run to 1000)
    smtp_url: str  # outbound relay, smtp://host:port; "" logs mails instead of sending them
    mail_from: str
    mail_intake_host: str
    mail_intake_port: int
    carrier_timeout_seconds: float  # read timeout of one carrier call
    waybill_max_attempts: int  # carrier attempts per shipment before it goes to the ops queue
    carriers_file: str  # JSON carriers and selection rules; "" uses the bundled sandbox setup
    tracking_poll_seconds: float  # how often carriers without webhooks are asked for events
    track_lookups_per_minute: int  # public tracking page lookups per client
    trusted_proxies: int = 0  # proxies in front of the portal whose X-Forwarded-For/-Proto are believed
    secure_cookies: bool = False  # session and remember-me cookies only over HTTPS
    login_attempts_per_minute: int = 20  # sign-in attempts per client IP
    login_max_failures: int = 5  # wrong passwords for one email before it is locked out
    login_lockout_seconds: int = 900  # how long a lock-out lasts, and the window the failures count in
    outbox_retention_hours: int = 168  # sent outbox rows are kept this long (for tracing), then pruned
    health_token: str = ""  # bearer token for the /healthz detail (monitoring); "" allows only ops logins
    forecast_every_hours: float = 24.0  # how often the scheduled forecast run recomputes every series
    forecast_horizon_weeks: int = 12  # weeks ahead each forecast covers
    po_confirm_days: int = 3  # a sent stock purchase order should be answered within this many days
    dropship_confirm_hours: int = 24  # a drop-ship order unconfirmed this long raises an alert to ops
    stage_max_batch: int = 500  # order ids per pipeline message at most (the relay merges nudges up to it)
    broker_management_url: str = ""  # RabbitMQ management API (http://user:pass@host:15672); "" without RabbitMQ
    base_currency: str = "USD"  # exchange rates are against it; reports are in it
    metrics_token: str = ""  # bearer token /metrics then requires; "" leaves it open, as scrapers expect
    log_format: str = "text"  # text, or json: one object per line with request, message and order ids
    webhook_timeout_seconds: float = 10.0  # read timeout of one webhook post
    webhook_interval_seconds: float = 2.0  # how often the relay turns committed changes into webhook deliveries
    # A webhook subscription failing this long without a success, with at least this many failed attempts, is
    # disabled and its owner mailed.
    webhook_disable_after_hours: float = 120.0
    webhook_disable_after_failures: int = 10

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def uses_rabbitmq(self) -> bool:
        return bool(self.broker_url)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check every OMS_* setting; create the data folder if needed."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("OMS_DATA_DIR") or "./oms-data").resolve()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"OMS_DATA_DIR={data_dir}: cannot create the data folder ({exc})") from exc
    portal_url = _http_url(env, "OMS_PORTAL_URL", "http://127.0.0.1:8000")
    return Settings(
        data_dir=data_dir,
        database_url=_database_url(env, data_dir),
        broker_url=_broker_url(env),
        secret_key=env.get("OMS_SECRET_KEY") or _kept_secret(data_dir / "secret_key"),
        carrier_url=_http_url(env, "OMS_CARRIER_URL", "http://127.0.0.1:8090"),
        carrier_webhook_secret=env.get("OMS_CARRIER_WEBHOOK_SECRET") or "sandbox-secret",
        portal_url=portal_url,
        stuck_after_seconds=_number(env, "OMS_STUCK_AFTER_SECONDS", 120, int, minimum=1),
        relay_interval_seconds=_number(env, "OMS_RELAY_INTERVAL_SECONDS", 0.2, float, minimum=0.01),
        sweep_interval_seconds=_number(env, "OMS_SWEEP_INTERVAL_SECONDS", 30.0, float, minimum=0.1),
        worker_processes=_number(env, "OMS_WORKER_PROCESSES", 2, int, minimum=1),
        worker_threads=_number(env, "OMS_WORKER_THREADS", 4, int, minimum=1),
        portal_threads=_number(env, "OMS_PORTAL_THREADS", 8, int, minimum=1),
        import_max_bytes=_number(env, "OMS_IMPORT_MAX_BYTES", 50 * 1024 * 1024, int, minimum=1),
        import_max_rows=_number(env, "OMS_IMPORT_MAX_ROWS", 1_000_000, int, minimum=1),
        import_max_cell_chars=_number(env, "OMS_IMPORT_MAX_CELL_CHARS", 32_767, int, minimum=100),
        import_max_unpacked_bytes=_number(env, "OMS_IMPORT_MAX_UNPACKED_BYTES", 512 * 1024 * 1024, int,
                                          minimum=1),
        import_max_unpack_ratio=_number(env, "OMS_IMPORT_MAX_UNPACK_RATIO", 100, int, minimum=1),
        smtp_url=_smtp_url(env),
        mail_from=env.get("OMS_MAIL_FROM") or "orders@relay-oms.local",
        mail_intake_host=env.get("OMS_MAIL_INTAKE_HOST") or "127.0.0.1",
        mail_intake_port=_number(env, "OMS_MAIL_INTAKE_PORT", 2525, int, minimum=1),
        carrier_timeout_seconds=_number(env, "OMS_CARRIER_TIMEOUT_SECONDS", 10.0, float, minimum=0.1),
        waybill_max_attempts=_number(env, "OMS_WAYBILL_MAX_ATTEMPTS", 12, int, minimum=1),
        carriers_file=_existing_file(env, "OMS_CARRIERS_FILE"),
        tracking_poll_seconds=_number(env, "OMS_TRACKING_POLL_SECONDS", 300.0, float, minimum=1),
        track_lookups_per_minute=_number(env, "OMS_TRACK_LOOKUPS_PER_MINUTE", 10, int, minimum=1),
        trusted_proxies=_number(env, "OMS_TRUSTED_PROXIES", 0, int, minimum=0),
        secure_cookies=_flag(env, "OMS_SECURE_COOKIES", default=portal_url.startswith("https://")),
        login_attempts_per_minute=_number(env, "OMS_LOGIN_ATTEMPTS_PER_MINUTE", 20, int, minimum=1),
        login_max_failures=_number(env, "OMS_LOGIN_MAX_FAILURES", 5, int, minimum=1),
        login_lockout_seconds=_number(env, "OMS_LOGIN_LOCKOUT_SECONDS", 900, int, minimum=1),
        outbox_retention_hours=_number(env, "OMS_OUTBOX_RETENTION_HOURS", 168, int, minimum=1),
        health_token=_token(env, "OMS_HEALTH_TOKEN"),
        forecast_every_hours=_number(env, "OMS_FORECAST_EVERY_HOURS", 24.0, float, minimum=0.01),
        forecast_horizon_weeks=_number(env, "OMS_FORECAST_HORIZON_WEEKS", 12, int, minimum=1),
        po_confirm_days=_number(env, "OMS_PO_CONFIRM_DAYS", 3, int, minimum=1),
        dropship_confirm_hours=_number(env, "OMS_DROPSHIP_CONFIRM_HOURS", 24, int, minimum=1),
        stage_max_batch=_number(env, "OMS_STAGE_MAX_BATCH", 500, int, minimum=1),
        broker_management_url=_management_url(env, _broker_url(env)),
        base_currency=_currency(env, "OMS_BASE_CURRENCY", "USD"),
        metrics_token=_token(env, "OMS_METRICS_TOKEN"),
        log_format=log_format(env),
        webhook_timeout_seconds=_number(env, "OMS_WEBHOOK_TIMEOUT_SECONDS", 10.0, float, minimum=0.1),
        webhook_interval_seconds=_number(env, "OMS_WEBHOOK_INTERVAL_SECONDS", 2.0, float, minimum=0.1),
        webhook_disable_after_hours=_number(env, "OMS_WEBHOOK_DISABLE_AFTER_HOURS", 120.0, float, minimum=0),
        webhook_disable_after_failures=_number(env, "OMS_WEBHOOK_DISABLE_AFTER_FAILURES", 10, int, minimum=1),
    )


def _database_url(env: Mapping[str, str], data_dir: Path) -> str:
    url = env.get("OMS_DATABASE_URL")
    if not url:
        return f"sqlite:///{data_dir / 'oms.sqlite3'}"
    scheme = urlparse(url).scheme
    if scheme not in SQL_SCHEMES:
        raise ConfigError(
            f"OMS_DATABASE_URL={url!r}: unsupported scheme {scheme!r}; "
            "use postgresql://user@host:5432/dbname or sqlite:///path/to/file.sqlite3"
        )
    return url


def _broker_url(env: Mapping[str, str]) -> str:
    url = env.get("OMS_BROKER_URL", "")
    if url in ("", "memory", "stub"):
        return ""
    if urlparse(url).scheme not in ("amqp", "amqps"):
        raise ConfigError(
            f"OMS_BROKER_URL={url!r}: expected amqp://user:password@host:5672/vhost, "
            "or leave it unset for the in-process broker"
        )
    return url


def _management_url(env: Mapping[str, str], broker_url: str) -> str:
    """OMS_BROKER_MANAGEMENT_URL, or by default the AMQP host on port 15672 with the AMQP credentials."""
    if not broker_url:
        return ""
    url = env.get("OMS_BROKER_MANAGEMENT_URL", "")
    if url:
        if urlparse(url).scheme not in ("http", "https") or not urlparse(url).hostname:
            raise ConfigError(f"OMS_BROKER_MANAGEMENT_URL={url!r}: expected http://user:password@host:15672")
        return url
    amqp = urlparse(broker_url)
    credentials = f"{amqp.username or 'guest'}:{amqp.password or 'guest'}@"
    scheme, port = ("https", 15671) if amqp.scheme == "amqps" else ("http", 15672)
    return f"{scheme}://{credentials}{amqp.hostname or 'localhost'}:{port}"


LOG_FORMATS = ("text", "json")


def metrics_dir(environ: Mapping[str, str] | None = None) -> Path:
    """OMS_METRICS_DIR, by default `metrics` in the data folder: read by each process before it loads
    prometheus_client, so it stands alone like base_currency."""
    env = os.environ if environ is None else environ
    configured = env.get("OMS_METRICS_DIR")
    if configured:
        return Path(configured).resolve()
    return (Path(env.get("OMS_DATA_DIR") or "./oms-data") / "metrics").resolve()


def log_format(environ: Mapping[str, str] | None = None) -> str:
    """OMS_LOG_FORMAT: text (the default) or json; needed before the settings are loaded, to log their errors."""
    env = os.environ if environ is None else environ
    chosen = (env.get("OMS_LOG_FORMAT") or "text").strip().lower()
    if chosen not in LOG_FORMATS:
        raise ConfigError(f"OMS_LOG_FORMAT={env.get('OMS_LOG_FORMAT')!r}: expected text or json")
    return chosen


def base_currency(environ: Mapping[str, str] | None = None) -> str:
    """OMS_BASE_CURRENCY alone, for code that needs only it (the rate table) without the rest of the settings."""
    return _currency(os.environ if environ is None else environ, "OMS_BASE_CURRENCY", "USD")


def _currency(env: Mapping[str, str], name: str, default: str) -> str:
    code = (env.get(name) or default).strip().upper()
    if code not in CURRENCIES:
        raise ConfigError(f"{name}={env.get(name)!r}: expected one of {', '.join(CURRENCIES)}")
    return code


def _smtp_url(env: Mapping[str, str]) -> str:
    url = env.get("OMS_SMTP_URL", "")
    if url and (urlparse(url).scheme not in ("smtp", "smtps") or not urlparse(url).hostname):
        raise ConfigError(f"OMS_SMTP_URL={url!r}: expected smtp://host:port (or smtps://), or unset to log mails")
    return url


def _existing_file(env: Mapping[str, str], name: str) -> str:
    path = env.get(name, "")
    if path and not Path(path).is_file():
        raise ConfigError(f"{name}={path!r}: no such file")
    return path


def _http_url(env: Mapping[str, str], name: str, default: str) -> str:
    url = env.get(name) or default
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"{name}={url!r}: expected an http(s) URL such as {default}")
    return url.rstrip("/")


def _token(env: Mapping[str, str], name: str) -> str:
    """An optional shared secret: unset, or long enough not to be guessed."""
    token = (env.get(name) or "").strip()
    if token and len(token) < 16:
        raise ConfigError(f"{name}: at least 16 characters (e.g. `openssl rand -hex 24`), or unset")
    return token


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={env[name]!r}: expected 1/true/yes/on or 0/false/no/off")


def _number(env: Mapping[str, str], name: str, default, kind, *, minimum):
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected a {kind.__name__}") from None
    if not math.isfinite(value) or value < minimum:
        raise ConfigError(f"{name}={raw!r}: must be at least {minimum}")
    return value


def _kept_secret(path: Path) -> str:
    """Return the secret kept in ``path``, creating it (owner-readable only) on first use."""
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret
