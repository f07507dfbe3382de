"""A wrong report range's messages read as before in English and keep their Text for the portal."""
from __future__ import annotations

from datetime import date

import pytest

from models.core.errors import ValidationFailed
from models.core.text_messages import TextMessage
from models.reports.periods import parse_group, parse_range

TODAY = date(2026, 11, 30)


def test_a_wrong_range_reads_as_before_and_keeps_its_text():
    with pytest.raises(ValidationFailed) as refused:
        parse_range("2026-13-01", None, today=TODAY)
    assert str(refused.value) == "invalid date range"
    assert isinstance(refused.value.args[0], TextMessage)
    (problem,) = refused.value.messages["from"]
    assert problem == "'2026-13-01' is not a date (YYYY-MM-DD)"
    assert problem.text.template == "%(text)s is not a date (YYYY-MM-DD)"
    with pytest.raises(ValidationFailed) as refused:
        parse_range("2026-12-01", "2026-11-01", today=TODAY)
    assert refused.value.messages["from"] == ["must be on or before to (2026-11-01)"]


def test_a_wrong_group_reads_as_before():
    with pytest.raises(ValidationFailed) as refused:
        parse_group("year")
    assert str(refused.value) == "invalid group"
    assert refused.value.messages["group"] == ["must be one of day, week, month"]
    assert isinstance(refused.value.messages["group"][0], TextMessage)
