"""`oms bench`: every bench on OMS_DATABASE_URL / OMS_BROKER_URL, and the pipeline bench at a tiny size on SQLite
with the in-process broker and on PostgreSQL with RabbitMQ."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pika
import pytest
from click.testing import CliRunner

from models.core.db import bind_database, connection
from models.core.stages import ALL_STAGES
from portal.bench_figures import Figures, percentile, report_lines, result_line
from portal.cli import main
from tests.factories import make_world

ROOT = Path(__file__).resolve().parents[2]
RESULT = re.compile(r"^RESULT orders_per_s=(?P<orders_per_s>[\d.]+) raw_msgs_per_s=(?P<raw_msgs_per_s>[\d.]+) "
                    r"ratio=(?P<ratio>[\d.]+) cpu_ms_per_order=(?P<cpu_ms_per_order>[\d.]+) "
                    r"sql_per_order=(?P<sql_per_order>[\d.]+) p50_ms=(?P<p50_ms>\d+) p99_ms=(?P<p99_ms>\d+)$")


def _bench_pipeline(env: dict[str, str], orders: int, *options: str) -> tuple[str, dict[str, float]]:
    """Run the bench as its own process (it installs a broker and counters for good) and parse its RESULT."""
    done = subprocess.run([sys.executable, "-m", "portal.cli", "bench", "pipeline", "--orders", str(orders),
                           "--threads", "2", "--raw-messages", "300", *options], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    match = RESULT.match(last)
    assert match, done.stdout
    return done.stdout, {name: float(value) for name, value in match.groupdict().items()}


def _assert_sane(output: str, result: dict[str, float], orders: int) -> None:
    assert f"shipped  {orders}/{orders} " in output, output
    assert "oms check: clean" in output, output
    assert result["orders_per_s"] > 0 and result["raw_msgs_per_s"] > 0 and 0 < result["ratio"] < 1
    assert result["cpu_ms_per_order"] > 0
    assert 10 < result["sql_per_order"] < 1000  # placing alone takes several statements an order
    assert 0 < result["p50_ms"] <= result["p99_ms"]
    sql = next(line for line in output.splitlines() if line.startswith("sql "))
    split = {name: float(count) for name, count in re.findall(r"(placing|relay|workers) ([\d.]+)", sql)}
    assert set(split) == {"placing", "relay", "workers"} and all(count > 0 for count in split.values()), sql
    assert sum(split.values()) == pytest.approx(result["sql_per_order"], abs=0.2), sql
    assert "placing" in next(line for line in output.splitlines() if line.startswith("cpu ")), output
    raw = re.search(r"^raw .* at ([\d,]+) msgs/s by the same workers \(the best of 3 rounds: ([\d,]+), ([\d,]+), "
                    r"([\d,]+)\)$", output, re.M)
    assert raw, output
    best, *rounds = (int(figure.replace(",", "")) for figure in raw.groups())
    assert best == max(rounds) == round(result["raw_msgs_per_s"]), output


def _environment(**settings: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if name not in ("OMS_DATABASE_URL", "OMS_BROKER_URL", "OMS_DATA_DIR")}
    return {**env, **settings, "PYTHONPATH": str(ROOT)}


@pytest.mark.slow(seconds=15)
def test_the_pipeline_bench_on_sqlite_with_the_in_process_broker():
    output, result = _bench_pipeline(_environment(), 12, "--rate", "30", "--max-batch", "5")
    assert "broker in-process, 2 worker threads in this process; 1 placing thread at 30 orders/s; up to 5 ids" \
        in output, output
    _assert_sane(output, result, 12)
    placed = re.search(r"^placed   12 orders in ([\d.]+) s .*paced at 30 orders/s", output, re.M)
    assert placed and float(placed.group(1)) >= 10 / 30, output  # the 12th is due 11/30 s after the first


@pytest.mark.slow(seconds=15)
def test_the_pipeline_bench_places_in_batches_through_place_orders():
    output, result = _bench_pipeline(_environment(), 12, "--placing", "batch", "--placing-batch", "5",
                                     "--rate", "60")
    assert "1 placing thread in batches of 5 at 60 orders/s" in output, output
    _assert_sane(output, result, 12)
    placed = re.search(r"^placed   12 orders in ([\d.]+) s .*place_orders in batches of 5, paced at 60", output, re.M)
    assert placed and float(placed.group(1)) >= 11 / 60, output  # the last batch is due when its 12th order is


def _delete_queues(url: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    for queue in [stage.queue_name for stage in ALL_STAGES] + ["oms_bench_noop"]:
        for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
            channel.queue_delete(name)
    connection.close()


@pytest.mark.postgres
@pytest.mark.rabbitmq
@pytest.mark.slow(seconds=25)
def test_the_pipeline_bench_on_postgres_and_rabbitmq(postgres_url, rabbitmq_url):
    _delete_queues(rabbitmq_url)
    try:
        output, result = _bench_pipeline(
            _environment(OMS_DATABASE_URL=postgres_url, OMS_BROKER_URL=rabbitmq_url), 12, "--placers", "2")
    finally:
        _delete_queues(rabbitmq_url)
    assert "2 worker processes × 2 threads; 2 placing processes; up to 500 ids a message" in output, output
    assert "2 processes through the API's validation" in output, output
    _assert_sane(output, result, 12)
    cpu = next(line for line in output.splitlines() if line.startswith("cpu "))
    assert "workers" in cpu and "postgres backends" in cpu, cpu


STAGES_RESULT = re.compile(r"^RESULT review_ms=(?P<review>[\d.]+) allocation_ms=(?P<allocation>[\d.]+) "
                           r"preparing_ms=(?P<preparing>[\d.]+) recording_ms=(?P<recording>[\d.]+) "
                           r"python_ms=(?P<python>[\d.]+) database_ms=(?P<database>[\d.]+) total_ms=(?P<total>[\d.]+)$")


def _bench_stages(env: dict[str, str], *options: str) -> tuple[str, dict[str, float]]:
    done = subprocess.run([sys.executable, "-m", "portal.cli", "bench", "stages", *options], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    match = STAGES_RESULT.match(done.stdout.strip().splitlines()[-1])
    assert match, done.stdout
    return done.stdout, {name: float(value) for name, value in match.groupdict().items()}


@pytest.mark.slow(seconds=10)
def test_the_stage_bench_times_each_stage_in_one_process_on_sqlite():
    output, result = _bench_stages(_environment(), "--orders", "12", "--batch", "5")
    assert "12 orders × 3 lines on sqlite" in output and "oms check: clean" in output, output
    assert all(result[stage] > 0 for stage in ("review", "allocation", "preparing", "recording")), result
    assert result["database"] == 0 and result["total"] == pytest.approx(result["python"], abs=0.002)


@pytest.mark.slow(seconds=10)
def test_the_stage_bench_on_postgres_counts_its_backend_too(postgres_url):
    # 100 orders: the backend's CPU is read in clock ticks (10 ms), and a dozen orders may cost less than one
    output, result = _bench_stages(_environment(OMS_DATABASE_URL=postgres_url), "--orders", "100", "--batch", "40")
    assert "oms check: clean" in output and "in its database backend" in output, output
    assert result["database"] > 0
    assert result["total"] == pytest.approx(result["python"] + result["database"], abs=0.002)


def test_every_bench_takes_its_database_from_oms_database_url(tmp_path, sqlite_url):
    result = CliRunner().invoke(main, ["bench", "intake", "--lines", "30"], env={"OMS_DATABASE_URL": sqlite_url})
    assert result.exit_code == 0, result.output
    assert "imported 10 orders / 30 lines" in result.stdout
    from models.orders.tables import Order

    bind_database(sqlite_url)
    with connection():
        assert Order.select().where(Order.external_ref.startswith("BENCH-")).count() == 10


def test_database_url_still_works_but_says_it_is_deprecated(sqlite_url):
    result = CliRunner().invoke(main, ["bench", "intake", "--lines", "6", "--database-url", sqlite_url])
    assert result.exit_code == 0, result.output
    assert "--database-url is deprecated: set OMS_DATABASE_URL instead" in result.stderr
    assert "imported 2 orders / 6 lines" in result.stdout


def test_a_bench_never_writes_into_a_database_in_use(db, sqlite_url):
    make_world()
    for args in (["intake", "--lines", "3"], ["allocation", "--orders", "2"], ["forecast", "--series", "4"]):
        result = CliRunner().invoke(main, ["bench", *args], env={"OMS_DATABASE_URL": sqlite_url})
        assert result.exit_code == 1 and "needs an empty database" in result.stderr, (args, result.output)


def test_the_result_line_is_machine_readable():
    figures = Figures(orders=4, shipped=4, placing_seconds=0.5, span_seconds=2.0, latencies=[0.5, 1.0, 1.5, 2.0],
                      cpu_seconds={"this process": 0.2, "workers": 0.2}, statements=480, published=8,
                      outbox_rows=20, raw_messages=100, raw_rate=1000.0)
    assert result_line(figures) == ("RESULT orders_per_s=2.00 raw_msgs_per_s=1000 ratio=0.00200 "
                                    "cpu_ms_per_order=100.00 sql_per_order=120.00 p50_ms=1000 p99_ms=2000")
    assert RESULT.match(result_line(figures))
    assert [percentile([1.0, 2.0, 3.0], share) for share in (0.0, 0.5, 0.99, 1.0)] == [1.0, 2.0, 3.0, 3.0]
    assert percentile([], 0.5) == 0.0


def test_the_raw_rate_is_the_best_of_its_rounds_and_the_ratio_is_taken_against_it():
    figures = Figures(orders=4, shipped=4, placing_seconds=0.5, span_seconds=2.0, latencies=[1.0], cpu_seconds={},
                      statements=4, published=0, outbox_rows=0, raw_messages=100, raw_rate=1000.0,
                      raw_rounds=(800.0, 1000.0, 950.0))
    assert report_lines(figures)[0] == ("raw      100 no-op messages consumed at 1,000 msgs/s by the same workers "
                                        "(the best of 3 rounds: 800, 1,000, 950)")
    assert figures.ratio == 2.0 / 1000.0


def test_the_report_splits_the_statements_by_part():
    figures = Figures(orders=4, shipped=4, placing_seconds=0.5, span_seconds=2.0, latencies=[0.5, 1.0, 1.5, 2.0],
                      cpu_seconds={"workers": 0.2}, statements=48, published=8, outbox_rows=20, raw_messages=100,
                      raw_rate=1000.0, statements_by_part={"placing": 40, "relay": 2, "workers": 6}, placers=2,
                      rate=50.0)
    lines = report_lines(figures)
    assert "2 processes through the API's validation and place_order, paced at 50 orders/s" in lines[1]
    assert lines[5] == "sql      12.0 statements/order (48 sent by every process in the window, placing 10.0, " \
        "relay 0.5, workers 1.5)"


@pytest.mark.postgres
def test_a_copy_counts_as_one_statement(postgres_url, monkeypatch):
    import io

    import psycopg2

    from portal import bench_counters

    counted = []
    monkeypatch.setattr(bench_counters, "_count", counted.append)
    with psycopg2.connect(postgres_url, cursor_factory=bench_counters._PostgresCursor) as conn, \
            conn.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE copied (n integer)")
        cursor.copy_expert("COPY copied (n) FROM STDIN", io.StringIO("1\n2\n3\n"))
        cursor.copy_from(io.StringIO("4\n"), "copied", columns=("n",))
        cursor.copy_to(io.StringIO(), "copied")
    conn.close()
    assert counted == [1, 1, 1, 1]
