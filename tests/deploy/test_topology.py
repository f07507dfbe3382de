"""The compose topology without Docker: the roles of deploy/compose.yaml as separate processes (migrate once,
then carrier sandbox, portal under waitress, relay, worker), configured from deploy/oms.env.example with the
stack's addresses pointed at the test PostgreSQL and RabbitMQ; an order placed through the API ships."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from urllib.parse import urlparse

import pytest
import requests

from models.core.db import bind_database, database
from models.partners.accounts import create_user
from models.partners.tables import ApiToken
from tests.deploy.support import DEPLOY, ROOT, compose, env_file, oms_argv
from tests.factories import make_world, order_body
from tests.pipeline_support import wait_until
from tests.workers.conftest import delete_queues

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow(seconds=40)]
ROLES = ("carrier", "portal", "relay", "worker")  # started in this order once migrate has exited 0


def _stack_env(postgres_url: str, rabbitmq_url: str, tmp_path) -> dict[str, str]:
    """The env example, then what compose.yaml overrides, with its service addresses made this machine's."""
    overrides = compose()["services"]["portal"]["environment"]
    local = {"OMS_DATABASE_URL": postgres_url, "OMS_BROKER_URL": rabbitmq_url,
             "OMS_CARRIER_URL": os.environ["OMS_CARRIER_URL"], "OMS_PORTAL_URL": os.environ["OMS_PORTAL_URL"]}
    env = {name: value for name, value in os.environ.items() if not name.startswith("OMS_")}
    env.update(env_file(DEPLOY / "oms.env.example"))
    env.update({name: local.get(name, value) for name, value in overrides.items()})
    env.update(OMS_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT),
               OMS_BROKER_MANAGEMENT_URL="", OMS_WORKER_PROCESSES="1")
    return env


def _argv(role: str) -> list[str]:
    argv = oms_argv(compose()["services"][role]["command"])
    port = {"portal": os.environ["OMS_PORTAL_URL"], "carrier": os.environ["OMS_CARRIER_URL"]}.get(role)
    if port:  # the container's port, on loopback here
        argv = argv[:argv.index("--host")] + ["--host", "127.0.0.1", "--port", str(urlparse(port).port)]
    return [sys.executable, "-m", "portal.cli", *argv]


def test_the_compose_roles_as_processes_ship_an_order(postgres_url, rabbitmq_url, tmp_path):
    env = _stack_env(postgres_url, rabbitmq_url, tmp_path)
    delete_queues(rabbitmq_url)
    migrate = subprocess.run(_argv("migrate"), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    assert "applied: 0001_initial" in migrate.stdout
    bind_database(postgres_url)
    database.connect(reuse_if_open=True)
    make_world(on_hand=50)
    token = ApiToken.issue(create_user("ops@example.com", "ops_admin", password="secret-pass-1")[0])
    database.close()
    procs: dict[str, subprocess.Popen] = {}
    try:
        for role in ROLES:
            with open(tmp_path / f"{role}.log", "wb") as log:
                procs[role] = subprocess.Popen(_argv(role), cwd=ROOT, env=env, stdout=log,
                                               stderr=subprocess.STDOUT, start_new_session=True)
        portal = os.environ["OMS_PORTAL_URL"]

        def ready() -> bool:
            try:
                return requests.get(f"{portal}/healthz/ready", timeout=2).status_code == 200
            except requests.ConnectionError:
                return False

        wait_until(ready, timeout=30, interval=0.3, what="the portal ready")
        headers = {"Authorization": f"Bearer {token}"}
        placed = requests.post(f"{portal}/api/v1/orders", json=order_body("DEPLOY-1"), headers=headers, timeout=10)
        assert placed.status_code == 202, placed.text
        order_url = f"{portal}/api/v1/orders/{placed.json()['id']}"
        wait_until(lambda: requests.get(order_url, headers=headers, timeout=5).json()["status"]
                   in ("shipped", "delivered"), timeout=60, interval=0.5, what="the order shipped")
        assert requests.get(order_url, headers=headers, timeout=5).json()["shipments"][0]["waybill_number"]
        assert all(proc.poll() is None for proc in procs.values()), "a role exited while serving"
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for role, proc in procs.items():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        delete_queues(rabbitmq_url)
        print("\n".join(f"--- {role}\n{(tmp_path / f'{role}.log').read_text()[-2000:]}" for role in procs))
