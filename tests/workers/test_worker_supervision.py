"""`oms worker` keeps serving when one of its processes dies, and starts that one again."""
from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from tests.factories import order_body
from tests.pipeline_support import running_sandbox, wait_until
from tests.workers.test_pipeline_rabbitmq import _all_in, _assert_one_effect_each, api  # noqa: F401 - fixture

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow]


def children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return sorted(int(child) for child in found)


def alive(pid: int) -> bool:
    """Running, not exited (a zombie waiting for its parent counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def consumers(pid: int) -> list[int]:
    """The processes under ``pid`` that consume messages: the leaves of its process tree."""
    below = children(pid)
    return sorted(leaf for child in below for leaf in consumers(child)) if below else [pid]


def test_a_killed_worker_process_is_restarted_while_the_others_keep_serving(stack, api):  # noqa: F811
    with running_sandbox() as carrier_url:
        stack.start("worker", "worker")  # OMS_WORKER_PROCESSES=2 in the stack's environment
        stack.start("relay", "relay")
        supervisor = stack.procs["worker"].pid
        warm_up = [api.post_order(order_body(f"WARM-{n}")).get_json()["id"] for n in range(4)]
        wait_until(lambda: _all_in(warm_up, "shipped"), timeout=60, what="both worker processes serving")
        victim, survivor = consumers(supervisor)

        os.kill(victim, signal.SIGKILL)
        time.sleep(3)  # Dramatiq's own main process notices a dead child within a second and stops the rest
        assert alive(supervisor), "oms worker stopped when one of its processes died"
        assert alive(survivor), "the other worker process was stopped too"

        ids = [api.post_order(order_body(f"SUP-{n}")).get_json()["id"] for n in range(10)]
        wait_until(lambda: _all_in(ids, "shipped"), timeout=60, what="orders shipped after a worker died")
        wait_until(lambda: len(consumers(supervisor)) == 2 and victim not in consumers(supervisor),
                   timeout=30, what="the dead worker process started again")
        _assert_one_effect_each(warm_up + ids, carrier_url)
