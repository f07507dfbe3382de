"""`oms bench portal` at a tiny size, on SQLite and on PostgreSQL: it seeds the book, times every query of the order
list and ends with a RESULT line."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from models.orders.order_list import ORDER_STATUSES
from tests.portal.test_cli_bench import ROOT, _environment

QUERIES = ("first", *(f"status_{name}" for name in ORDER_STATUSES), "deep", "search_ref", "search_customer")


def _bench_portal(env: dict[str, str]) -> tuple[str, dict[str, float]]:
    done = subprocess.run([sys.executable, "-m", "portal.cli", "bench", "portal", "--orders", "200", "--customers",
                           "60", "--requests", "3"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("RESULT orders=200 "), done.stdout
    return done.stdout, {name: float(value) for name, value in re.findall(r"(\w+)=([\d.]+)", last)}


def _assert_sane(output: str, result: dict[str, float]) -> None:
    assert "seeded 200 orders for 60 customers" in output
    for query in QUERIES:
        assert 0 < result[f"{query}_p50_ms"] <= result[f"{query}_p95_ms"] <= result["worst_p95_ms"], query


@pytest.mark.slow(seconds=30)
def test_the_portal_bench_on_sqlite():
    _assert_sane(*_bench_portal(_environment()))


@pytest.mark.postgres
@pytest.mark.slow(seconds=30)
def test_the_portal_bench_on_postgres(postgres_url):
    output, result = _bench_portal(_environment(OMS_DATABASE_URL=postgres_url))
    assert "oms_test_" in output.splitlines()[0]
    _assert_sane(output, result)
