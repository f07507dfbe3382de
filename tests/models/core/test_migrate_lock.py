"""`oms db upgrade` started several times at once against one fresh PostgreSQL database: each waits on the
migration advisory lock, one migrates, the others find nothing pending, and all exit 0."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest

from models.core.migrate import MIGRATION_LOCK_KEY, MIGRATIONS_DIR

ROOT = Path(__file__).resolve().parents[3]
STARTS = 3

pytestmark = [pytest.mark.postgres]


def _waiting_on_the_lock(conn) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                    "WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()")
        return cur.fetchone()[0]


def test_parallel_upgrades_wait_for_one_another_and_migrate_once(postgres_url, tmp_path):
    holder = psycopg2.connect(postgres_url)
    holder.autocommit = True
    with holder.cursor() as cur:  # hold the lock so that all three are surely running at once
        cur.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
    env = dict(os.environ, OMS_DATABASE_URL=postgres_url, OMS_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-m", "portal.cli", "db", "upgrade"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(STARTS)]
    try:
        deadline = time.monotonic() + 60
        while _waiting_on_the_lock(holder) < STARTS:
            assert time.monotonic() < deadline, "the upgrades did not wait on the migration lock"
            assert all(p.poll() is None for p in procs), [p.communicate()[0] for p in procs if p.poll() is not None]
            time.sleep(0.1)
        with holder.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
        outputs = [p.communicate(timeout=120)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert [p.returncode for p in procs] == [0] * STARTS, outputs
    assert sum("applied: 0001_initial" in out for out in outputs) == 1, outputs
    assert sum("database is up to date" in out for out in outputs) == STARTS - 1, outputs
    with holder.cursor() as cur:
        cur.execute("SELECT name FROM schema_migration ORDER BY name")
        applied = [row[0] for row in cur.fetchall()]
    holder.close()
    assert applied == sorted(path.stem for path in MIGRATIONS_DIR.glob("[0-9]*.py"))
