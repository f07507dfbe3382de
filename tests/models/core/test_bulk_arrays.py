"""Columns of a batch as PostgreSQL array literals: every value reads back exactly as the VALUES list it replaces
would have written it, and what has no exact spelling here is refused so the caller keeps its VALUES list."""
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from models.core.bulk_arrays import (
    array_literal,
    column_type,
    id_array,
    inferred_type,
    unnest_source,
)
from models.core.db import database
from models.orders.tables import Order, OrderLine

TEXTS = ["plain", "", "NULL", "null", " padded ", 'say "hi"', "back\\slash", "\\\"", "{braces}", "a,b", "tab\there",
         "line\nbreak", "it's", "漢字 and é", "$1 %s %(x)s"]
COLUMNS = {
    "text": TEXTS + [None],
    "integer": [0, -7, 2**31 - 1, -2**31, None],
    "bigint": [2**40, 1, None],
    "numeric": [Decimal("12.30"), Decimal("-0.0001"), Decimal("1E+3"), 5, None],
    "boolean": [True, False, None],
    "timestamp": [datetime(2026, 12, 4, 21, 5, 1, 120), datetime(2026, 1, 1), None],
    "date": [date(2026, 12, 4), None],
    "time": [time(7, 30, 1, 5), None],
    "double precision": [0.1, -2.5e300, None],
}


@pytest.mark.parametrize("kind", sorted(COLUMNS))
def test_a_columns_type_is_what_a_values_list_would_give_it(kind):
    assert inferred_type(COLUMNS[kind]) == kind


def test_kinds_a_values_list_would_not_unify_have_no_type():
    assert inferred_type(["a", 1]) is None
    assert inferred_type([True, date(2026, 1, 1)]) is None
    assert inferred_type([None, None]) == "text"


def test_values_without_an_exact_spelling_are_refused():
    assert array_literal([b"bytes"]) is None
    assert array_literal(["fine", {"a": 1}]) is None
    assert unnest_source([[1, 2], [b"x", b"y"]], ["integer", "bytea"]) is None
    assert id_array([1, "2"]) is None
    assert id_array([1, 2**40]) == ("{1,1099511627776}", "bigint")


def test_an_aware_time_is_written_as_utc_without_its_offset():
    aware = datetime(2026, 12, 4, 23, 0, tzinfo=timezone(timedelta(hours=2)))
    assert array_literal([aware]) == '{"2026-12-04 21:00:00"}'


def test_a_column_of_one_timestamp_reads_as_the_same_column_spelled_value_by_value():
    stamp = datetime(2026, 12, 5, 4, 0, 0, 123456)
    aware = datetime(2026, 12, 5, 6, 0, tzinfo=timezone(timedelta(hours=2)))
    assert array_literal([stamp] * 3) == '{"2026-12-05 04:00:00.123456","2026-12-05 04:00:00.123456",' \
                                         '"2026-12-05 04:00:00.123456"}'
    assert array_literal(iter([aware, aware])) == '{"2026-12-05 04:00:00","2026-12-05 04:00:00"}'
    equal_not_same = [stamp, datetime(2026, 12, 5, 4, 0, 0, 123456), None]
    assert array_literal(equal_not_same) == '{"2026-12-05 04:00:00.123456","2026-12-05 04:00:00.123456",NULL}'
    assert array_literal([]) == "{}"


def test_model_columns_are_read_as_their_database_types():
    assert [column_type(field) for field in (Order.id, Order.customer, Order.total, Order.created_at,
                                             OrderLine.price_given, OrderLine.sku)] == [
        "integer", "integer", "numeric", "timestamp", "boolean", "text"]


@pytest.mark.postgres
def test_every_value_reads_back_exactly_from_postgres(pg_rolled_back):
    kinds = sorted(COLUMNS)
    width = max(len(values) for values in COLUMNS.values())
    columns = [COLUMNS[kind] + [None] * (width - len(COLUMNS[kind])) for kind in kinds]
    sql, params = unnest_source(columns, kinds)
    rows = database.execute_sql(f"SELECT * FROM {sql}", params).fetchall()
    assert [list(column) for column in zip(*rows)] == [
        [Decimal(value) if kind == "numeric" and value is not None else value for value in column]
        for kind, column in zip(kinds, columns)]


@pytest.mark.postgres
def test_a_column_of_text_only_or_of_numbers_only_reads_back_exactly_from_postgres(pg_rolled_back):
    numbers = [Decimal("12.30"), Decimal("-0.0001"), Decimal("1E+3"), 5, 2**31 - 1]
    columns = [TEXTS, (numbers * 3)[:len(TEXTS)], list(range(-7, len(TEXTS) - 7))]
    assert all(None not in column for column in columns)  # none of them spelled value by value
    sql, params = unnest_source(columns, ["text", "numeric", "integer"])
    rows = database.execute_sql(f"SELECT * FROM {sql}", params).fetchall()
    assert [list(column) for column in zip(*rows)] == [TEXTS, [Decimal(value) for value in columns[1]], columns[2]]
