"""Fixtures for the three backends the OMS runs on: SQLite (embedded), PostgreSQL and RabbitMQ.

A service-backed fixture skips with the reason when the service is not reachable, unless
OMS_REQUIRE_SERVICES=1 (CI), where it fails instead: CI must never pass by skipping.
"""
from __future__ import annotations

import functools
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import uuid
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest


def free_port() -> int:
    """A port free now and outside the kernel's ephemeral range, so that no outgoing connection (to
    PostgreSQL, RabbitMQ, ...) can take it before the test's server binds it."""
    ranges = Path("/proc/sys/net/ipv4/ip_local_port_range")
    low = int(ranges.read_text().split()[0]) if ranges.exists() else 32768
    for _ in range(200):
        port = random.randrange(max(1024, low - 12000), low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


# Tests own their environment: no developer's OMS_* setting may leak in. This runs before any
# test module imports workers.broker, which reads the settings once per process.
for _name in [n for n in os.environ if n.startswith("OMS_") and not n.startswith(("OMS_TEST_", "OMS_REQUIRE"))]:
    del os.environ[_name]
os.environ["OMS_DATA_DIR"] = tempfile.mkdtemp(prefix="oms-tests-")
os.environ["OMS_SECRET_KEY"] = "test-secret"
os.environ["OMS_CARRIER_URL"] = f"http://127.0.0.1:{free_port()}"
os.environ["OMS_PORTAL_URL"] = f"http://127.0.0.1:{free_port()}"
os.environ["OMS_CARRIER_WEBHOOK_SECRET"] = "test-webhook-secret"

from models.core.config import load_settings
from models.core.db import bind_database, database
from models.core.migrate import upgrade_database

POSTGRES_URL = os.environ.get("OMS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
RABBITMQ_URL = os.environ.get("OMS_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def _rabbitmqctl(*args: str) -> bool:
    try:
        return subprocess.run(["rabbitmqctl", "--quiet", *args], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@functools.cache
def worker_vhost() -> str | None:
    """Under pytest-xdist, this worker's own RabbitMQ virtual host, so that RabbitMQ tests on two workers never
    share (or empty) each other's queues; None without xdist, or when the broker is not on this machine or
    rabbitmqctl cannot manage it (the RabbitMQ tests then all run on one worker)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or urlparse(RABBITMQ_URL).hostname not in ("127.0.0.1", "localhost"):
        return None
    user = urlparse(RABBITMQ_URL).username or "guest"
    vhost = f"oms_test_{worker}"
    if _rabbitmqctl("add_vhost", vhost) and _rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*"):
        return vhost
    return None


def _expected_seconds(item) -> float:
    slow = item.get_closest_marker("slow")
    return 0.0 if slow is None else slow.kwargs.get("seconds", 10.0)


def pytest_collection_modifyitems(config, items):
    """The end-to-end runs (marked slow, the longest first) lead, so that two workers taking one test at a time
    (--maxschedchunk) start on them and both end on short tests. RabbitMQ tests share the broker's queues (and
    empty them): under pytest-xdist each worker gets its own virtual host where it can, else they all run on one
    worker."""
    items.sort(key=_expected_seconds, reverse=True)  # stable: file order otherwise kept
    rabbitmq_items = [item for item in items if item.get_closest_marker("rabbitmq")]
    if rabbitmq_items and os.environ.get("PYTEST_XDIST_WORKER") and worker_vhost() is None:
        for item in rabbitmq_items:
            item.add_marker(pytest.mark.xdist_group("rabbitmq"))


def services_required() -> bool:
    return os.environ.get("OMS_REQUIRE_SERVICES") == "1"


def unavailable(what: str, why: str) -> None:
    message = f"{what} not reachable ({why}); start it or set OMS_TEST_*_URL"
    if services_required():
        pytest.fail(message + " — OMS_REQUIRE_SERVICES=1 forbids skipping", pytrace=False)
    pytest.skip(message)


def _reachable(url: str, default_port: int) -> str | None:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return None
    except OSError as exc:
        return str(exc)


def settings_for(tmp_path, **overrides):
    env = {name: value for name, value in os.environ.items() if name.startswith("OMS_")}
    env["OMS_DATA_DIR"] = str(tmp_path / "data")
    env.update(overrides)
    return load_settings(env)


# Migrating a database costs 0.1–1 s; the suite has over a thousand tests that need one. Each backend is
# migrated once per run into a template that every test copies (a file copy; CREATE DATABASE … TEMPLATE).
_templates: dict[str, str] = {}


@contextmanager
def _proxy_kept():
    """Let a template be migrated through the shared proxy without unbinding the test's own database."""
    bound = database.obj
    try:
        yield
    finally:
        database.initialize(bound)


def sqlite_template() -> Path:
    """A SQLite file migrated once per test run."""
    if "sqlite" not in _templates:
        path = Path(tempfile.mkdtemp(prefix="oms-template-")) / "template.sqlite3"
        with _proxy_kept():
            handle = bind_database(f"sqlite:///{path}")
            handle.connect(reuse_if_open=True)
            upgrade_database()
            handle.close()
        _templates["sqlite"] = str(path)
    return Path(_templates["sqlite"])


def copy_sqlite_template(url: str) -> str:
    """Make the (not yet existing) SQLite file of ``url`` a migrated database; return ``url``."""
    target = Path(url.removeprefix("sqlite:///"))
    if not target.exists():
        with closing(sqlite3.connect(sqlite_template())) as source, closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
    return url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """The path of a SQLite file for one test; nothing is there until a fixture (``db``) or the test makes it."""
    return f"sqlite:///{tmp_path / 'oms.sqlite3'}"


def _admin_connection():
    import psycopg2

    admin = psycopg2.connect(POSTGRES_URL)
    admin.autocommit = True
    return admin


def postgres_template() -> str:
    """The name of a PostgreSQL database migrated once per test run (dropped when the run ends)."""
    if "postgres" not in _templates:
        from playhouse.db_url import connect

        name = f"oms_template_{uuid.uuid4().hex[:12]}"
        admin = _admin_connection()
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        handle = connect(urlparse(POSTGRES_URL)._replace(path=f"/{name}").geturl())  # no pool: closing closes
        with _proxy_kept():
            database.initialize(handle)
            handle.connect()
            upgrade_database()
            handle.close()
        _templates["postgres"] = name
    return _templates["postgres"]


def pytest_sessionfinish(session):
    if "sqlite" in _templates:
        shutil.rmtree(Path(_templates.pop("sqlite")).parent, ignore_errors=True)
    shutil.rmtree(os.environ["OMS_DATA_DIR"], ignore_errors=True)
    if worker_vhost.cache_info().currsize and worker_vhost():
        _rabbitmqctl("delete_vhost", worker_vhost())  # and every queue a test left in it
    if "postgres" in _templates:
        admin = _admin_connection()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{_templates.pop("postgres")}" WITH (FORCE)')
        admin.close()


_empty_postgres: set[str] = set()  # URLs of test databases created empty


def _create_postgres_database(admin, name: str, *, migrated: bool) -> None:
    template = f' TEMPLATE "{postgres_template()}"' if migrated else ""
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"{template}')


def migrated_postgres(url: str) -> str:
    """Make the test database of ``url`` a migrated one: a database created empty (when pg_db was asked for only
    through getfixturevalue) is recreated from the template, which is quicker than migrating it."""
    if url in _empty_postgres:
        name = urlparse(url).path.lstrip("/")
        admin = _admin_connection()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        _create_postgres_database(admin, name, migrated=True)
        admin.close()
        _empty_postgres.discard(url)
    return url


@contextmanager
def fresh_postgres_database(*, migrated: bool = False):
    """Create a PostgreSQL database (empty, or a copy of the migrated template), yield its URL, drop it after."""
    why = _reachable(POSTGRES_URL, 5432)
    if why:
        unavailable("PostgreSQL", why)
    name = f"oms_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_connection()
    _create_postgres_database(admin, name, migrated=migrated)
    admin.close()  # a new one drops it: the fault suite restarts the server in between
    url = urlparse(POSTGRES_URL)._replace(path=f"/{name}").geturl()
    if not migrated:
        _empty_postgres.add(url)
    try:
        yield url
    finally:
        _empty_postgres.discard(url)
        if database.obj is not None and getattr(database.obj, "database", None) == name and not database.is_closed():
            database.close()
        admin = _admin_connection()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def postgres_url(request):
    """A fresh PostgreSQL database for one test, dropped afterwards: empty, or already migrated when the test
    also uses the ``pg_db`` fixture."""
    with fresh_postgres_database(migrated="pg_db" in request.fixturenames) as url:
        yield url


@pytest.fixture
def rabbitmq_url() -> str:
    why = _reachable(RABBITMQ_URL, 5672)
    if why:
        unavailable("RabbitMQ", why)
    vhost = worker_vhost()
    return RABBITMQ_URL if vhost is None else urlparse(RABBITMQ_URL)._replace(path=f"/{vhost}").geturl()


def _migrated(url: str):
    """Bind ``url``, a copy of a migrated template (no need to ask the migrations again: 20 ms a test)."""
    db = bind_database(url)
    db.connect(reuse_if_open=True)
    return db


@pytest.fixture
def db(sqlite_url):
    """A migrated SQLite database bound to the shared proxy (the embedded default)."""
    handle = _migrated(copy_sqlite_template(sqlite_url))
    yield handle
    handle.close()


@pytest.fixture
def pg_db(postgres_url):
    """A migrated PostgreSQL database bound to the shared proxy."""
    handle = _migrated(migrated_postgres(postgres_url))
    yield handle
    handle.close()


@pytest.fixture(scope="module")
def module_pg():
    """One migrated PostgreSQL database per test module: a fresh one per test costs a second or two."""
    with fresh_postgres_database(migrated=True) as url:
        handle = _migrated(url)
        yield handle
        handle.close()


@pytest.fixture
def pg_rolled_back(module_pg):
    """The module's PostgreSQL database bound to the proxy, inside a transaction rolled back after the
    test (the code's own atomic() blocks become savepoints). For tests on one connection only."""
    database.initialize(module_pg)
    module_pg.connect(reuse_if_open=True)
    with module_pg.atomic() as txn:
        yield module_pg
        txn.rollback()


@pytest.fixture(params=["sqlite", "postgres"])
def any_db(request):
    """Runs the test once on SQLite and once on PostgreSQL (rolled back after the test)."""
    return request.getfixturevalue("db" if request.param == "sqlite" else "pg_rolled_back")


SUMMARY_MARKERS = ("access matrix:",)  # blocks a test prints about itself, shown even when it passes


def pytest_terminal_summary(terminalreporter):
    """Show the summaries some tests print (the access matrix's counts) even when they pass, under xdist too."""
    for reports in list(terminalreporter.stats.values()):
        for report in reports:
            for _, text in getattr(report, "sections", ()):
                start = min((text.find(marker) for marker in SUMMARY_MARKERS if marker in text), default=-1)
                if start >= 0:
                    terminalreporter.section("summaries")
                    terminalreporter.write_line(text[start:].rstrip())


@pytest.fixture
def statements():
    """Every SQL statement the database runs from here on in the test (not the savepoints of its own transaction)."""
    from tests.statement_count import counted_statements

    with counted_statements() as seen:
        yield seen
