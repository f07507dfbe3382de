"""The audit trail on PostgreSQL: no index behind its ids (migration 0039), which still order the changes made at
one instant and stay unique, drawn from their sequence."""
from __future__ import annotations

import pytest

from models.core.audit import StatusChange
from models.core.base import utc_now
from models.core.bulk_insert import insert_values
from models.core.db import database


def _indexed_column_sets(table: str) -> list[list[str]]:
    return [index.columns for index in database.get_indexes(table)]


@pytest.mark.postgres
def test_the_trail_writes_no_index_entry_for_its_ids(pg_db):
    assert ["id"] not in _indexed_column_sets("status_change")
    assert ["entity", "entity_id", "at"] in _indexed_column_sets("status_change")


@pytest.mark.postgres
def test_changes_at_one_instant_keep_the_order_they_were_written_in(pg_db):
    now = utc_now()
    insert_values(StatusChange, [
        {"entity": "order", "entity_id": 7, "from_status": from_status, "to_status": to_status, "actor": "test",
         "reason": "", "at": now}
        for from_status, to_status in ((None, "received"), ("received", "reviewing"), ("reviewing", "approved"))])
    trail = list(StatusChange.trail("order", 7))
    assert [change.to_status for change in trail] == ["received", "reviewing", "approved"]
    assert len({change.id for change in trail}) == 3 and all(change.id for change in trail)
