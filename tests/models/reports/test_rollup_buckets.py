"""The SQL that files a duration in its cycle-time bucket agrees with the rule, bound by bound, on both databases."""
from models.core.db import database
from models.reports.cycle_rules import bucket_bounds, bucket_of
from models.reports.rollup_sql import bucket_case


def test_the_sql_bucket_is_the_rules_bucket_at_every_bound(any_db):
    bounds = bucket_bounds()
    durations = [-5.0, 0.0, 0.5, 10**9] + [bound + nudge for bound in bounds for nudge in (-1e-6, 0.0, 1e-6)]
    for duration in durations:
        sql = f"SELECT {bucket_case('d.seconds')} FROM (SELECT CAST({database.param} AS NUMERIC) AS seconds) d"
        (filed,) = database.execute_sql(sql, [duration]).fetchone()
        assert filed == bucket_of(duration), duration
